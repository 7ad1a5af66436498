"""Teaching mode: rules in play are the simulation's rules; games save, resume, report."""

import copy
import json
import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import EAGER

from model import InputError, load_scenario, simulate
from model.game import Game
from model.game.engine import DECISIONS, MOTION_NOTE, parse_game
from model.game.report import build, to_html, to_markdown
from model.game.rooms import Rooms
from model.model import RedlineModel
from model.narrative import LADDER_SERIES
from model.outcomes import OUTCOMES
from model.scenario import Inject, month_label

SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")


def model_only_trajectory(game):
    return {k: v[: game.world.t, 0].copy() for k, v in game.world.series.items()}


def test_a_game_with_no_players_is_replication_zero_of_simulate(nov):
    game = Game(nov, seed=11)
    while not game.finished:
        game.play_turn()
    res = simulate(nov, reps=1, seed=11)
    for name, series in model_only_trajectory(game).items():
        assert np.array_equal(series, res.series[name][:, 0]), name


def test_a_player_who_plays_the_models_own_choices_changes_nothing(nov):
    auto = Game(nov, seed=5)
    while not auto.finished:
        auto.play_turn()
    human = Game(nov, seed=5, seats={"seoul": "player"})
    for log in auto.log:
        d = next(x for x in log["decisions"] if x["actor"] == "seoul")
        human.play_turn({"seoul": {"assistance": d["chosen_index"]}})
    assert np.array_equal(
        model_only_trajectory(auto)["seoul_rung"], model_only_trajectory(human)["seoul_rung"]
    )
    assert np.array_equal(
        model_only_trajectory(auto)["moscow_posture"],
        model_only_trajectory(human)["moscow_posture"],
    )


def test_blocked_option_cannot_be_played(nov):
    game = Game(nov, seed=1, seats={"seoul": "player"})
    opts = game.options("seoul")["assistance"]
    assert not opts[5].allowed and "no_troops" in opts[5].rules
    # rung 4 from rung 1 is three steps, and defensive weapons come first
    assert not opts[4].allowed and {"step_by_step", "defensive_first"} <= set(opts[4].rules)
    # indirect lethal supply from rung 1 is one step (indirect_track): not step_by_step
    assert "step_by_step" not in opts[3].rules
    # no stepping down without cause
    assert not opts[0].allowed and opts[0].rules == ["standing_commitments"]
    assert opts[1].allowed and opts[1].current
    with pytest.raises(InputError) as info:
        game.play_turn({"seoul": {"assistance": 4}})
    assert "blocked" in info.value.detail and info.value.field == "moves.seoul.assistance"
    # the words are the rules' words: no rule names, no parameter names
    assert "step-by-step doctrine" in info.value.detail and "lifted by" in info.value.detail
    assert not SNAKE.search(info.value.detail), info.value.detail
    with pytest.raises(InputError) as info:
        game.check_moves("seoul", {"assistance": 0})
    assert "Seoul keeps the assistance it has promised" in info.value.detail
    assert not SNAKE.search(info.value.detail)
    with pytest.raises(InputError):
        game.play_turn({"seoul": {"assistance": 9}})
    with pytest.raises(InputError):
        game.play_turn({})  # a player seat must move
    with pytest.raises(InputError):
        game.play_turn({"seoul": {"assistance": 1}, "moscow": {"posture": 2}})  # model's seat
    assert game.turns == []


def test_edited_game_file_with_a_blocked_move_is_refused(nov, tmp_path):
    game = Game(nov, seed=1, seats={"seoul": "player"})
    game.play_turn({"seoul": {"assistance": 1}})
    data = game.to_dict()
    data["turns"].append({"month": "2024-12", "moves": {"seoul": {"assistance": 4}}})
    with pytest.raises(InputError) as info:
        Game.from_dict(data, origin="edited.json")
    assert info.value.file == "edited.json" and info.value.field.startswith("turns.1.moves.seoul")
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(data))
    r = subprocess.run(
        [sys.executable, "-m", "model", "report", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "blocked" in r.stderr and "Traceback" not in r.stderr


def test_assembly_vote_is_held_for_a_lethal_request():
    sc = load_scenario(
        "november-2024", overrides={"seoul.initial_rung": 2, "seoul.step_by_step": False}
    )
    game = Game(sc, seed=3, seats={"seoul": "player"})
    opt = game.options("seoul")["assistance"][3]
    assert opt.allowed and opt.note == MOTION_NOTE
    log = game.play_turn({"seoul": {"assistance": 3}})
    assert len(log["votes"]) == 1
    passed = log["votes"][0]["passed"]
    assert game.state()["seoul_rung"] == (3 if passed else 2)
    if not passed:  # a failed vote bars another for the cooldown, and says so
        again = game.options("seoul")["assistance"][3]
        assert not again.allowed and "assembly_approval" in again.rules
        assert "no new motion for" in again.note


def test_defensive_weapons_need_a_vote_by_default(nov):
    """Cheongung (rung 2) needs the Assembly unless the switch is off."""
    game = Game(nov, seed=1, seats={"seoul": "player"})
    assert game.options("seoul")["assistance"][2].note == MOTION_NOTE
    free = load_scenario("november-2024", overrides={"seoul.defensive_needs_approval": False})
    opt = Game(free, seed=1, seats={"seoul": "player"}).options("seoul")["assistance"][2]
    assert opt.allowed and opt.note == ""


def random_allowed(game, seat, rng, moves=None):
    """A random open option for each of `seat`'s decisions, chosen in order."""
    moves = {s: dict(m) for s, m in (moves or {}).items()}
    for decision in game.options(seat, moves):
        opts = [o.index for o in game.options(seat, moves)[decision] if o.allowed]
        moves.setdefault(seat, {})[decision] = int(rng.choice(opts))
    return moves[seat]


def test_save_resume_gives_the_same_continuation(nov):
    rng = np.random.default_rng(9)
    straight = Game(nov, seed=9, seats={"seoul": "player"})
    moves = []
    for _ in range(8):
        moves.append(random_allowed(straight, "seoul", rng))
        straight.play_turn({"seoul": moves[-1]})
    first = Game(nov, seed=9, seats={"seoul": "player"})
    for m in moves[:4]:
        first.play_turn({"seoul": m})
    resumed = Game.from_dict(json.loads(json.dumps(first.to_dict())))
    for m in moves[4:]:
        resumed.play_turn({"seoul": m})
    assert resumed.state() == straight.state()
    assert resumed.log == straight.log


def test_undo_and_injects(nov):
    game = Game(nov, seed=4, seats={"seoul": "player"})
    game.play_turn({"seoul": {"assistance": 1}})
    before = game.state()
    game.inject("technology_transfer", 3, note="missile help")
    game.inject_custom("poll collapses", {"seoul.public_opposition": 0.5})
    game.play_turn({"seoul": {"assistance": 1}})
    assert game.state()["red_line_crossed"] and game.params.seoul.public_opposition == 0.5
    game.undo()
    assert game.state() == before and game.pending["injects"][0]["type"] == "technology_transfer"
    with pytest.raises(InputError):
        game.inject("alien_invasion")
    with pytest.raises(InputError):
        game.inject_custom("bad", {"seoul.public_opposition": 3})
    game.paused = True
    with pytest.raises(InputError):
        game.play_turn({"seoul": {"assistance": 1}})


def test_risk_view_plays_the_move_in_many_worlds(nov):
    game = Game(nov, seed=2, seats={"seoul": "player"})
    game.play_turn({"seoul": {"assistance": 1}})
    hold = game.risk("seoul", {"assistance": 1}, reps=300, months=3)
    assert hold.move == hold.hold and hold.carried_out.p == 1.0
    assert hold.months == ("2024-12", "2025-01", "2025-02")
    for a in hold.answers:
        assert a.before and a.month == "2025-01", "everyone moves before Seoul in a month"
        assert abs(sum(c.move.p for c in a.options.values()) - 1) < 1e-9
        for c in a.options.values():
            assert c.move == c.hold  # holding against holding: common random numbers
            assert c.move.low <= c.move.p <= c.move.high
    for key, c in hold.outcomes.items():
        assert 0 <= c.move.p <= 1 and key in OUTCOMES
    with pytest.raises(InputError) as info:
        game.risk("seoul", {"assistance": 5}, reps=100)  # troops: blocked, no risk view
    assert "blocked" in info.value.detail


def test_report_matches_a_direct_simulate(nov):
    """The report's ensemble is `simulate` from the game's start (its layout is
    tests/test_report.py's)."""
    game = Game(nov, seed=6, seats={"seoul": "player"})
    for _ in range(10):
        game.play_turn({"seoul": {"assistance": 1}})
    rep = build(game, reps=1500)
    direct = simulate(nov, reps=1500, seed=6, months=10).outcomes
    for key in ("relations_collapsed", "lethal_aid", "red_line_crossed"):
        assert rep["ensemble"][key] == direct[key].mean()
    md = to_markdown(rep)
    assert md.startswith("# After-action report") and not SNAKE.search(md)
    assert to_html(rep).startswith("<!doctype html>")


def test_rooms_share_a_game_and_survive_a_restart(tmp_path, nov):
    db = tmp_path / "rooms.sqlite"
    rooms = Rooms(db)
    room, fac = rooms.create(nov, 3, ["seoul", "moscow"])
    seoul = rooms.claim(room, "seoul", "team A")
    moscow = rooms.claim(room, "moscow", "team B")
    with pytest.raises(InputError):
        rooms.claim(room, "seoul", "team C")
    with pytest.raises(InputError):
        rooms.claim(room, "nato")
    v = rooms.view(room, seoul)
    assert set(v["private"]) == {"seoul"}, "a team sees only its own seat"
    assert set(rooms.view(room, fac)["private"]) == {"seoul", "moscow"}
    assert rooms.submit(room, seoul, 0, {"assistance": 1})["adjudicated"] is False
    with pytest.raises(InputError):
        rooms.submit(room, seoul, 0, {"assistance": 0})  # a second, conflicting move
    with pytest.raises(InputError):
        rooms.submit(room, moscow, 0, {"posture": 3})  # blocked: one rung a month
    assert rooms.submit(room, moscow, 0, {"reward": 1, "posture": 1})["adjudicated"] is True
    # "restart": a new process opens the same database
    code = (
        "import sys; from model.game.rooms import Rooms; g,_=Rooms(sys.argv[1]).load(sys.argv[2]);"
        "print(len(g.turns), g.state()['seoul_rung'])"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, str(db), room], capture_output=True, text=True, timeout=60
    )
    assert r.stdout.split() == ["1", "1"]
    rooms2 = Rooms(db)
    rooms2.facilitate(room, fac, "share", shared=True)
    assert set(rooms2.view(room, seoul)["private"]) == {"seoul", "moscow"}
    with pytest.raises(InputError):
        rooms2.facilitate(room, seoul, "pause")  # only the facilitator
    rooms2.facilitate(room, fac, "inject", kind="atrocity", note="shelling of a city")
    rooms2.facilitate(room, fac, "advice", visible=False)
    assert "advice" not in rooms2.view(room, seoul)["private"]["seoul"]
    rooms2.submit(room, seoul, 1, {"assistance": 1})
    rooms2.submit(room, moscow, 1, {"reward": 1, "posture": 1})
    game, _ = rooms2.load(room)
    assert len(game.turns) == 2 and game.log[1]["injects"][0]["type"] == "atrocity"
    rooms2.facilitate(room, fac, "undo")
    game, _ = rooms2.load(room)
    assert len(game.turns) == 1 and rooms2.pending_moves(room, 1) == {}


# ---------------------------------------------------------------- honest adjudication


class Replay:
    """An independent copy of a game's world: a RedlineModel fed the game's turns through
    the model's own calls (not through Game), so a month can be tried with any move by
    deep-copying it. The oracle for what the adjudication allows."""

    def __init__(self, game):
        self.model = RedlineModel(game.scenario, 1, game.seed, trace=[0])
        for turn in game.turns:
            self.step(turn)

    @staticmethod
    def begin(model, turn):
        if turn.get("custom"):
            model.set_parameters(model.scenario.with_overrides(turn["custom"]).parameters)
        for inj in turn.get("injects", []):
            model.schedule(Inject.model_validate(inj))
        for seat, moves in turn.get("moves", {}).items():
            for decision, option in moves.items():
                model.force(seat, decision, option)

    def step(self, turn):
        self.begin(self.model, turn)
        self.model.step()
        self.model.log.clear()

    def attempt(self, business, moves):
        """This month played on a copy with `moves` forced: (its log, the state after)."""
        trial = copy.deepcopy(self.model)
        self.begin(trial, {**business, "moves": moves})
        trial.step()
        entry = trial.log[-1]
        trial.release()
        return entry


SETUPS = [  # (scenario, overrides, player seats)
    ("november-2024", EAGER, ("seoul",)),
    ("november-2024", EAGER, ("moscow", "seoul")),
    ("red-line", EAGER, ("pyongyang", "nato", "seoul")),
    ("atrocity", {}, ("seoul", "nato")),
    ("ceasefire-2025", EAGER, ("pyongyang", "moscow")),
    ("assembly-majority", EAGER, ("seoul",)),
    ("stockpile-crunch", EAGER, ("seoul", "moscow", "pyongyang", "nato")),
    ("july-2024", {}, ("nato", "seoul")),
]
INJECTS = [
    ("atrocity", None, {}),
    ("troops_reinforced", None, {}),
    ("technology_transfer", 2, {}),
    ("provocation", None, {}),
    ("ceasefire", None, {}),
    ("government_change", None, {"preference": "global-pivotal", "approval": 0.45}),
    ("government_paralysis", None, {"months": 2}),
    ("poll_shift", -0.2, {}),
]


def test_options_and_advice_are_those_of_the_month_as_adjudicated():
    """Many months with random open moves and random injects: every option shown open is
    carried out when played (or refused only by the Assembly's vote it was said to need),
    every option shown blocked is refused, the model's advice puts its odds on open
    options only — and the month before (the old view) would have got some of them wrong."""
    checked = blocked_seen = motions_seen = naive_wrong = 0
    for n, (name, overrides, players) in enumerate(SETUPS):
        rng = np.random.default_rng(100 + n)
        game = Game(
            load_scenario(name, overrides=overrides or None),
            seed=int(rng.integers(1000)),
            seats={s: "player" for s in players},
        )
        ref = Replay(game)
        while not game.finished:
            if rng.random() < 0.15:
                kind, value, fields = INJECTS[rng.integers(len(INJECTS))]
                game.inject(kind, value, **fields)
            if rng.random() < 0.05:
                game.inject_custom("a shift", {"seoul.max_rungs_per_step": 2})
            moves: dict = {}
            for seat in game.move_order:
                if game.seats[seat] != "player":
                    continue
                for decision in DECISIONS[seat]:
                    opts = game.options(seat, moves)[decision]
                    naive = game.world.blocking_rules(seat, decision)
                    advice = game.advice(seat, moves)[decision]
                    assert abs(sum(advice.values()) - 1) < 1e-9
                    for o in opts:
                        assert not o.depends_on  # every earlier seat has moved
                        if advice[o.label] > 0:
                            assert o.allowed, (name, game.month, seat, o.label)
                        trial = {s: dict(m) for s, m in moves.items()}
                        trial.setdefault(seat, {})[decision] = o.index
                        entry = ref.attempt(game.pending, trial)
                        (d,) = [
                            x
                            for x in entry["decisions"]
                            if (x["actor"], x["decision"]) == (seat, decision)
                        ]
                        carried = d["chosen_index"] == o.index
                        where = (name, game.month, seat, decision, o.label, o.rules)
                        if o.allowed and o.note == MOTION_NOTE and not carried:
                            motions_seen += 1
                            assert entry["votes"] and not entry["votes"][0]["passed"], where
                        elif o.allowed:
                            assert carried, where
                        else:
                            blocked_seen += 1
                            assert not carried and d["chosen"] == d["from"], where
                        naive_wrong += o.allowed == bool(naive[o.index])
                        checked += 1
                    pick = [o.index for o in opts if o.allowed]
                    moves.setdefault(seat, {})[decision] = int(rng.choice(pick))
            turn_business = dict(game.pending)
            game.play_turn(moves)
            ref.step({**turn_business, "moves": moves})
            assert ref.model.world_state(0).values == game.world.world_state(0).values
    assert checked >= 1440 and blocked_seen > 100 and motions_seen > 0
    assert naive_wrong > 0, "the months tried include ones the month before would misread"


def test_a_seat_that_moves_later_sees_the_earlier_players_moves(nov):
    """Seoul moves after Moscow: with Moscow's move unknown, an option whose fate hangs on
    it says so, and every claim holds for each move Moscow could make."""
    sc = load_scenario("november-2024", overrides=EAGER)
    rng = np.random.default_rng(3)
    found = 0
    for seed in range(6):
        game = Game(sc, seed=seed, seats={"moscow": "player", "seoul": "player"})
        while not game.finished and found < 3:
            opts = game.options("seoul")["assistance"]
            assert game.waiting_on("seoul") == ["moscow"]
            rewards = [o.index for o in game.options("moscow")["reward"] if o.allowed]
            postures = [o.index for o in game.options("moscow")["posture"] if o.allowed]
            each = [
                game.options("seoul", {"moscow": {"reward": r, "posture": p}})["assistance"]
                for r in rewards
                for p in postures
            ]
            for o in opts:
                status = {e[o.index].allowed for e in each}
                if o.depends_on:
                    assert o.depends_on == ("moscow",) and status == {True, False}
                    found += 1
                    with pytest.raises(InputError) as info:
                        game.check_moves("seoul", {"assistance": o.index})
                    assert "depends on what Moscow does" in info.value.detail
                else:
                    assert status == {o.allowed}, (seed, game.month, o.label)
            moscow = random_allowed(game, "moscow", rng)
            seoul = random_allowed(game, "seoul", rng, {"moscow": moscow})
            game.play_turn({"moscow": moscow, "seoul": seoul})
    assert found, "no month where Seoul's options hung on Moscow's move"


@pytest.mark.parametrize(
    "seat,extra",
    [
        ("seoul", {}),
        ("moscow", {}),
        ("pyongyang", {}),
        ("nato", {"nato.initial_rung": 0}),  # Seoul steps up only with NATO engaged
    ],
)
def test_the_risk_view_is_from_the_players_seat(seat, extra):
    """For any seat: the actors moving after it answer this month, those before it the
    next; a move against holding changes what follows (common random numbers); the month's
    start is exact, so an earlier actor's position in this month is the same in every world."""
    sc = load_scenario("assembly-majority", overrides={**EAGER, **extra})
    game = Game(sc, seed=5, seats={seat: "player"})
    for _ in range(2):  # holding
        opts = game.options(seat)
        game.play_turn(
            {seat: {d: next(o.index for o in os if o.current) for d, os in opts.items()}}
        )
    order = game.move_order
    hold = {d: o.index for d, opts in game.options(seat).items() for o in opts if o.current}
    moves = [
        (d, o.index)
        for d, opts in game.options(seat).items()
        for o in opts
        if o.allowed and not o.current
    ]
    assert moves
    views = [game.risk(seat, {d: k}, reps=400, months=3) for d, k in moves]
    for view in views:
        assert view.seat == seat and view.move != view.hold
        assert {a.actor for a in view.answers} == set(order) - {seat}
        for a in view.answers:
            before = order.index(a.actor) < order.index(seat)
            assert a.before == before
            assert a.month == (
                month_label(game.world.first_month + game.world.t + 1) if before else game.month
            )
            assert len(a.months) == 3
    # the month's start is the adjudication's: an earlier actor starts its answer where
    # the real month leaves it after the move tried
    (d, k), view = moves[0], views[0]
    real = Game.from_dict(game.to_dict())
    real.play_turn({seat: {**hold, d: k}})
    now = real.state()
    for a in view.answers:
        if a.before:
            key = next(c for c, (x, y) in LADDER_SERIES.items() if (x, y) == (a.actor, a.decision))
            assert a.start == DECISIONS[a.actor][a.decision][now[key]]
    changed = any(
        a.options[k].move != a.options[k].hold or a.climbs.move != a.climbs.hold
        for v in views
        for a in v.answers
        for k in a.options
    ) or any(c.move != c.hold for v in views for c in v.outcomes.values())
    assert changed, f"no move of {seat} changed anything the others do"


def test_the_risk_view_refuses_bad_input_in_words(nov):
    game = Game(nov, seed=1, seats={"moscow": "player"})
    for bad in ({"reward": "x"}, {"reward": 9}, {"bogus": 1}):
        with pytest.raises(InputError) as info:
            game.risk("moscow", bad, reps=50)
        assert "Traceback" not in str(info.value)
    with pytest.raises(InputError):
        game.risk("kyiv", {}, reps=50)
    with pytest.raises(InputError):
        game.risk("moscow", {}, reps=50, months=0)


def test_the_month_so_far_tells_what_came_before_the_seat(nov):
    game = Game(nov, seed=2, seats={"seoul": "player"})
    game.inject("atrocity", note="shelling of a city")
    so_far = game.month_so_far("seoul")
    assert so_far["injects"][0]["type"] == "atrocity"
    assert {d["actor"] for d in so_far["decisions"]} == {"pyongyang", "moscow", "nato"}
    # what is told is what the adjudication then does
    log = game.play_turn({"seoul": {"assistance": 1}})
    told = {(d["actor"], d["decision"]): d["chosen"] for d in so_far["decisions"]}
    played = {(d["actor"], d["decision"]): d["chosen"] for d in log["decisions"]}
    assert all(played[k] == v for k, v in told.items())


# ---------------------------------------------------------------- game files


def saved(nov, turns=2):
    game = Game(nov, seed=1, seats={"seoul": "player"})
    for _ in range(turns):
        game.play_turn({"seoul": {"assistance": 1}})
    game.inject("atrocity", note="shelling")
    return json.loads(json.dumps(game.to_dict()))


def _set(data, path, value):
    *head, last = path
    for key in head:
        data = data[key]
    if value is DELETE:
        del data[last]
    else:
        data[last] = value


DELETE = object()
HOSTILE = [  # (path into the saved game, new value, field the message names)
    (("extra",), 1, "extra"),
    (("pending", "moves"), {"seoul": {"assistance": 1}}, "pending"),
    (("pending", "injects", 0, "type"), "alien_invasion", "pending.injects.0"),
    (("pending", "injects", 0, "month"), "2030-01", "pending.injects.0.month"),
    (("pending", "injects", 0, "value"), 7, "pending.injects.0"),
    (("pending", "custom"), {"seoul.public_opposition": 3}, "pending.custom"),
    (("pending", "custom"), {"seoul.bogus": 1}, "pending.custom.seoul.bogus"),
    (("pending", "custom"), {"seoul.public_opposition": "lots"}, "pending.custom"),
    (("pending", "notes"), [1, 2], "pending.notes"),
    (("pending",), [], "pending"),
    (("seats", "kyiv"), "player", "seats"),
    (("seats", "seoul"), "human", "seats"),
    (("seats",), ["seoul"], "seats"),
    (("seed",), -1, "seed"),
    (("seed",), True, "seed"),
    (("seed",), "1", "seed"),
    (("paused",), "no", "paused"),
    (("advice_visible",), 1, "advice_visible"),
    (("turns",), {"0": {}}, "turns"),
    (("turns", 0, "extra"), 1, "turns.0"),
    (("turns", 0, "month"), "2031-01", "turns.0.month"),
    (("turns", 0, "moves", "seoul", "assistance"), "1", "turns.0.moves.seoul.assistance"),
    (("turns", 0, "moves", "seoul", "assistance"), 1.0, "turns.0.moves.seoul.assistance"),
    (("turns", 0, "moves", "seoul", "assistance"), True, "turns.0.moves.seoul.assistance"),
    (("turns", 0, "moves", "seoul", "assistance"), 10**30, "turns.0.moves.seoul.assistance"),
    (("turns", 0, "moves", "seoul", "assistance"), 4, "turns.0.moves.seoul.assistance"),
    (("turns", 0, "moves", "seoul", "bogus"), 1, "turns.0.moves.seoul"),
    (("turns", 0, "moves", "kyiv"), {"x": 1}, "turns.0.moves.kyiv"),
    (("turns", 0, "moves", "moscow"), {"posture": 1}, "turns.0.moves.moscow"),
    (("scenario", "colour"), "red", "colour"),
    (("scenario", "parameters", "seoul", "public_support"), 0.6, "seoul.public_support"),
    (("scenario", "horizon_months"), 0, "horizon_months"),
    (("format",), "redline-game/0", "format"),
]


@pytest.mark.parametrize(
    "path,value,field", HOSTILE, ids=[".".join(map(str, h[0])) for h in HOSTILE]
)
def test_a_hostile_game_file_is_one_message(nov, path, value, field):
    data = saved(nov)
    _set(data, path, value)
    with pytest.raises(InputError) as info:
        parse_game(json.dumps(data).encode(), "g.json")
    err = info.value
    assert err.file and err.file.startswith("g.json"), err.render()
    assert field in (err.field or "") or field in err.file, err.render()
    assert "Error" not in err.render() and "Traceback" not in err.render()


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"\xff\xfe\x00", b"[" * 100_000, b"[]", b"null", b'{"format": 3}'],
    ids=["empty", "text", "binary", "deep", "list", "null", "format"],
)
def test_a_file_that_is_not_a_game_is_one_message(raw):
    with pytest.raises(InputError) as info:
        parse_game(raw, "g.json")
    assert info.value.file == "g.json"
    assert "Error" not in info.value.render()


def test_a_saved_game_with_its_month_in_waiting_loads_unchanged(nov):
    data = saved(nov)
    game = parse_game(json.dumps(data).encode(), "g.json")
    assert game.to_dict() == data
