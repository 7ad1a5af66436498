"""Dashboard state without Streamlit: URL parameters, widget rounding, uploads."""

import pytest

from dashboard import labels, state
from dashboard.state import Settings
from model import SPECS, InputError, load_scenario
from model.evidence import load_register
from model.scenario import SCENARIO_DIR, dump_yaml


def test_empty_link_gives_the_defaults():
    settings, messages = state.from_query({})
    assert settings == Settings(state.DEFAULT_SCENARIO, (), state.DEFAULT_REPS, state.DEFAULT_SEED)
    assert messages == []


def test_link_sets_scenario_parameters_reps_and_seed():
    settings, messages = state.from_query(
        {
            "scenario": "red-line",
            "seoul.public_opposition": "0.6",
            "reps": "500",
            "seed": "7",
            "seoul.step_by_step": "false",
            "seoul.assembly_opposition_seats": "130",
        }
    )
    assert messages == []
    assert settings.scenario == "red-line" and settings.reps == 500 and settings.seed == 7
    assert settings.changes == {
        "seoul.public_opposition": 0.6,
        "seoul.step_by_step": False,
        "seoul.assembly_opposition_seats": 130,
    }
    scenario = state.build_scenario(settings, {})
    assert scenario.parameters.seoul.public_opposition == 0.6
    assert scenario.parameters.seoul.assembly_opposition_seats == 130


def test_url_round_trip_keeps_dotted_names_and_values():
    settings = Settings("atrocity", (), 300, 9).with_changes(
        {"war.ceasefire_hazard": 0.035, "nato.pressure": 0.9, "seoul.troops_excluded": False}
    )
    query = state.to_query(settings)
    assert list(query) == [
        "scenario",
        "seoul.troops_excluded",
        "nato.pressure",
        "war.ceasefire_hazard",
        "reps",
        "seed",
    ]  # registry order
    assert query["war.ceasefire_hazard"] == "0.035" and query["seoul.troops_excluded"] == "false"
    again, messages = state.from_query(query)
    assert messages == [] and again == settings


@pytest.mark.parametrize(
    "params, field",
    [
        ({"seoul.public_opposition": "1.7"}, "seoul.public_opposition"),
        ({"seoul.public_opposition": "lots"}, "seoul.public_opposition"),
        ({"seoul.public_opposition": "nan"}, "seoul.public_opposition"),
        ({"seoul.assembly_opposition_seats": "12.5"}, "seoul.assembly_opposition_seats"),
        ({"seoul.step_by_step": "maybe"}, "seoul.step_by_step"),
        ({"seoul.public_oppositon": "0.5"}, "seoul.public_oppositon"),
        ({"reps": "0"}, "reps"),
        ({"reps": "many"}, "reps"),
        ({"seed": "-1"}, "seed"),
        ({"scenario": "no-such-scenario"}, "scenario"),
        ({"scenario": "upload:mine"}, "scenario"),
    ],
)
def test_a_bad_link_value_is_named_and_falls_back(params, field):
    settings, messages = state.from_query({**params, "nato.pressure": "0.9"})
    assert len(messages) == 1 and field in messages[0]
    assert settings.changes.get("nato.pressure") == 0.9  # the rest of the link still applies
    default = Settings()
    if field == "reps":
        assert settings.reps == default.reps
    elif field == "seed":
        assert settings.seed == default.seed
    elif field == "scenario":
        assert settings.scenario == state.DEFAULT_SCENARIO
    else:
        assert field not in settings.changes


def test_unknown_name_suggests_the_right_one():
    _, messages = state.from_query({"seoul.public_oppositon": "0.5"})
    assert "did you mean public opposition to lethal aid (`seoul.public_opposition`)" in messages[0]


def test_values_valid_alone_but_not_together_are_refused():
    # red-line has an inject in 2025-01, the third month: a 1-month horizon cannot hold it
    settings, messages = state.from_query({"scenario": "red-line", "horizon_months": "1"})
    assert messages and "outside the scenario's months" in messages[0]
    assert settings.changes == {}


def test_a_value_equal_to_the_scenario_is_not_a_change():
    settings, _ = state.from_query({"seoul.public_opposition": "0.742"})
    assert settings.overrides == ()


def test_widget_values_are_typed_and_rounded():
    assert state.tidy("seoul.public_opposition", 0.7520000000000001, 0.742) == 0.752
    assert state.tidy("seoul.assembly_opposition_seats", 150.0) == 150
    assert state.tidy("seoul.step_by_step", 0) is False
    base = load_scenario("november-2024")
    changes = state.changes_against(
        base, {"seoul.public_opposition": 0.7420000000001, "nato.pressure": 0.8}
    )
    assert changes == {"nato.pressure": 0.8}


def test_slider_steps_follow_the_range():
    assert state.step_for(SPECS["seoul.public_opposition"]) == 0.01
    assert state.step_for(SPECS["seoul.threat_weight"]) == 0.1
    assert state.step_for(SPECS["seoul.poll_noise"]) == 0.001
    assert state.step_for(SPECS["seoul.assembly_opposition_seats"]) == 1
    assert state.step_for(SPECS["pyongyang.shells_per_month"]) == 10000.0
    for spec in SPECS.values():
        if spec.kind is float:
            assert 50 <= (spec.hi - spec.lo) / state.step_for(spec) <= 1001


def test_help_text_quotes_the_evidence_or_says_assumption():
    register = load_register()
    sourced = state.help_text(SPECS["seoul.public_opposition"], register)
    assert register.excerpt("seok-13").text in sourced and "share of public" in sourced
    assumed = state.help_text(SPECS["seoul.party_discipline"], register)
    assert assumed.count("**Assumption:**") == 1 and SPECS["seoul.party_discipline"].why in assumed


def test_every_parameter_is_in_one_actor_group():
    groups = state.grouped()
    names = [n for names in groups.values() for n in names]
    assert sorted(names) == sorted(n for n in SPECS if n != state.HORIZON)


def test_constraints_and_weights_split_every_group_by_tier():
    constraints, weights = state.grouped(advanced=False), state.grouped(advanced=True)
    for group, names in state.grouped().items():
        assert sorted(constraints[group] + weights[group]) == sorted(names)
        assert not any(SPECS[n].advanced for n in constraints[group])
        assert all(SPECS[n].advanced for n in weights[group])
    assert "seoul.public_opposition" in constraints["seoul"]
    assert "seoul.threat_weight" in weights["seoul"]


def test_every_parameter_has_words():
    missing = [n for n in SPECS if n not in labels.LABELS]
    assert missing == [], f"add words for {missing} to dashboard.labels.LABELS"
    assert len(set(labels.LABELS.values())) == len(labels.LABELS)  # no two read the same
    for name in SPECS:
        text = labels.with_unit(name)
        assert "_" not in text and name not in text, text
        assert text.count("(") <= 1, text  # no brackets inside brackets
    assert labels.with_unit("pyongyang.gdp_bn") == "North Korea's GDP (US$ bn)"
    assert labels.with_unit("seoul.assembly_approval_required") == (
        "Lethal aid needs National Assembly approval"  # a switch: no unit
    )
    assert labels.with_unit("nato.pressure") == "NATO's push on Seoul (intensity, 0-1)"


@pytest.mark.parametrize(
    "error, words",
    [
        (
            InputError(
                "injects.0.month 2025-01 is outside the scenario's months", file="dashboard"
            ),
            "Inject 1's month 2025-01 is outside the scenario's months",
        ),
        (
            InputError("'2.5' is bad", file="URL", field="seoul.public_opposition"),
            "Link: Public opposition to lethal aid (`seoul.public_opposition`): '2.5' is bad",
        ),
        (
            InputError(
                "too many shells",
                file="x.yaml",
                field="pyongyang.shells_per_month",
                allowed="at most pyongyang.max_shells_per_month",
            ),
            "x.yaml: North Korean shells to Russia (`pyongyang.shells_per_month`): too many "
            "shells (allowed: at most North Korea's shell capacity "
            "(`pyongyang.max_shells_per_month`))",
        ),
        (
            InputError("unknown key", file="x.yaml", field="launch_codes", allowed="name"),
            "x.yaml: `launch_codes`: unknown key (allowed: name)",
        ),
        (
            InputError("'x' is not valid", file="URL", field="reps"),
            "Link: Replications (`reps`): 'x' is not valid",
        ),
        (InputError("a bad type", field="injects.2.type"), "Inject 3's type: a bad type"),
    ],
)
def test_errors_name_their_fields_in_words(error, words):
    assert labels.error_text(error) == words


def test_a_share_of_the_public_ends_where_the_other_leaves_off():
    values = {"seoul.public_opposition": 0.742, "seoul.public_support": 0.205}
    assert state.highest("seoul.public_opposition", values) == 0.795
    assert state.highest("seoul.public_support", values) == 0.258
    assert state.highest("nato.pressure", values) == SPECS["nato.pressure"].hi


# ---------------------------------------------------------------- uploads

GOOD = (SCENARIO_DIR / "atrocity.yaml").read_bytes()
HOSTILE = {
    "bad yaml": (b"name: [unclosed", "not valid YAML"),
    "unknown key": (b"name: x\nweapons: lots\n", "unknown key"),
    "out of range": (
        b"name: x\nparameters:\n  seoul:\n    public_opposition: 3\n",
        "seoul.public_opposition",
    ),
    "python tag": (b"name: !!python/object/apply:os.system ['echo pwned']\n", "tag"),
    "alias bomb": (
        b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a]\n"
        b"c: [*b, *b, *b, *b, *b, *b, *b]\n",
        "aliases",
    ),
    "huge file": (b"# " + b"x" * 1_100_000 + b"\nname: x\n", "at most 1,000,000 bytes"),
    "deep nesting": (b"[" * 100_000, "nests too deeply"),
    "binary": (bytes(range(256)) * 4, "not valid YAML"),
    "not a mapping": (b"- just\n- a list\n", "must be a mapping"),
    "empty": (b"", "must be a mapping"),
}


def test_a_good_upload_is_the_scenario_it_holds():
    scenario = state.read_upload("atrocity.yaml", GOOD)
    assert scenario == load_scenario("atrocity")
    assert state.upload_key(scenario) == "upload:atrocity"


def test_an_exported_file_uploads_back_unchanged():
    scenario = load_scenario("red-line", overrides={"nato.pressure": 0.9})
    assert state.read_upload("x.yaml", dump_yaml(scenario).encode()) == scenario


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_upload_is_one_clear_error_naming_the_file(case):
    data, expected = HOSTILE[case]
    with pytest.raises(InputError) as info:
        state.read_upload("evil.yaml", data)
    message = info.value.render()
    assert message.startswith("evil.yaml") and expected in message
    assert "\n" not in message and "Traceback" not in message


def test_uploaded_scenarios_are_offered_and_found():
    scenario = state.read_upload("atrocity.yaml", GOOD.replace(b"name: atrocity", b"name: my-room"))
    uploads = {scenario.name: scenario}
    assert "upload:my-room" in state.scenario_keys(uploads)
    assert state.base_scenario("upload:my-room", uploads) is scenario
    with pytest.raises(InputError, match="not in this session"):
        state.base_scenario("upload:my-room", {})


def test_upload_boxes_let_through_what_the_readers_judge():
    """A file over the reader's limit reaches the reader (whose message, in the page, names
    the limit) up to the server's cap: the browser's own refusal is only a red icon. So
    the scenario box takes what the server takes, and the cap is the largest reader's."""
    from dashboard import serve
    from model.game.engine import MAX_GAME_BYTES, parse_game
    from model.scenario import MAX_FILE_BYTES

    assert state.SCENARIO_UPLOAD_MB == serve.MAX_UPLOAD_MB
    assert state.SCENARIO_UPLOAD_MB * 2**20 >= 3 * MAX_FILE_BYTES  # a 3 MB file gets words
    assert state.SCENARIO_FILE_MB * 1e6 == MAX_FILE_BYTES
    assert state.GAME_UPLOAD_MB * 2**20 >= MAX_GAME_BYTES
    assert serve.MAX_UPLOAD_MB == max(state.SCENARIO_UPLOAD_MB, state.GAME_UPLOAD_MB)
    cmd = serve.command(headless=True)
    assert cmd[cmd.index("--server.maxUploadSize") + 1] == str(serve.MAX_UPLOAD_MB)
    with pytest.raises(InputError, match=f"at most {MAX_FILE_BYTES:,} bytes"):
        state.read_upload("big.yaml", b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(InputError, match=f"at most {MAX_GAME_BYTES // 2**20} MB"):
        parse_game(b" " * (MAX_GAME_BYTES + 1), "big.json")
