"""Game: a wargame room. The facilitator runs it, teams hold seats, the model adjudicates.

The page keeps its shape from run to run so nothing a person is doing is lost when the
room changes under them (a team moves, a month is adjudicated, the facilitator's own
action): messages go into slots that always exist, the facilitator's tabs remember the
one chosen, and the facilitator's half-filled fields are kept in the session.
"""

import json

import streamlit as st

from dashboard import game as g
from dashboard import session, state, ui
from model import InputError, scenario_names, words
from model.game import report
from model.game.engine import SEATS
from model.scenario import INJECT_TYPES
from model.words import ACTOR_NAMES

ROOM, TOKEN, NOTICES = "game_room", "game_token", "game_notices"
MOVE_NOTICES = "game_move_notices"  # shown by the Confirm button
NEW_LINK = "game_new_link"  # a reassigned seat's rejoin link, for the facilitator to hand out
CURRENT = "current dashboard settings"
REFRESH_SECONDS = 4
FACILITATOR_TABS = ["Room", "Controls", "Log and replay", "Debrief", "Files"]
# The facilitator's fields and their starting values: kept in the session whichever tab
# is open, so a half-typed inject survives another inject, a team's move or a new month.
KEPT = {
    "g_inject_type": next(iter(INJECT_TYPES)),
    "g_inject_value": 0.0,
    "g_inject_note": "",
    "g_custom_note": "",
    "g_custom_params": "",
    "g_undo_months": 1,
    "g_deadline_minutes": 0.0,
    "g_reassign_team": "",
}

rooms = g.open_rooms()


def notify(kind: str, text: str, where: str = NOTICES) -> None:
    st.session_state.setdefault(where, []).append((kind, text))


def enter(room: str, token: str) -> None:
    st.session_state[ROOM], st.session_state[TOKEN] = room, token


def attempt(fn, *args, done: str = "", where: str = NOTICES, **kw):
    """Run a room action; its InputError becomes one message on the page."""
    try:
        out = fn(*args, **kw)
    except InputError as exc:
        notify("error", f"Refused: {exc.render()}", where)
        return None
    if done:
        notify("success", done, where)
    return out if out is not None else True


def keep_fields() -> None:
    """The facilitator's fields keep their values across reruns and hidden tabs."""
    ss = st.session_state
    for key, start in KEPT.items():
        ss[key] = ss.get(key, start)


# ---------------------------------------------------------------- callbacks


def on_create() -> None:
    ss = st.session_state
    try:
        players = g.check_players(ss.get("g_players", []))
        if ss["g_scenario"] == CURRENT:
            scenario = state.build_scenario(session.current(), session.uploads())
        else:
            scenario = state.shipped_scenario(ss["g_scenario"])
        room, token = rooms.create(scenario, int(ss["g_seed"]), players)
    except InputError as exc:
        notify("error", f"No room created: {exc.render()}")
        return
    enter(room, token)
    notify(
        "success",
        f"Room {room} created ({scenario.name}, seed {int(ss['g_seed'])}); "
        f"players hold {', '.join(ACTOR_NAMES[p] for p in players)}.",
    )


def on_claim(room: str | None = None, seat: str | None = None) -> None:
    """Claim a seat: the link's room and seat, else the Join tab's fields."""
    room = (room or st.session_state.get("g_join_room") or "").strip()
    seat = seat or st.session_state.get("g_join_seat")
    team = st.session_state.get("g_team") or st.session_state.get("g_join_team") or ""
    token = attempt(rooms.claim, room, seat, team)
    if token:
        enter(room, token)
        notify("success", f"You hold {ACTOR_NAMES[seat]} in room {room}.")


def on_rejoin(room: str | None = None, token: str | None = None) -> None:
    room = (room or st.session_state.get("g_join_room") or "").strip()
    token = (token or st.session_state.get("g_join_token") or "").strip()
    view = attempt(rooms.view, room, token)
    if view:
        enter(room, token)


def on_resume() -> None:
    uploaded = st.session_state.get("g_upload")
    if uploaded is None:
        return
    try:
        game = g.read_game_file(uploaded.name, uploaded.getvalue())
        room, token = rooms.restore(game)
    except InputError as exc:
        notify("error", f"Game file refused, no room opened. {exc.render()}")
        return
    enter(room, token)
    notify("success", f"Room {room} continues '{uploaded.name}' after {len(game.turns)} turn(s).")
    changes = report.rule_changes(game.scenario)
    if changes["rows"]:
        notify(
            "warning",
            f"This game's scenario changes {changes['against']}: "
            + "; ".join(
                f"{r['what']}: {r['shipped']} there, {r['game']} here" for r in changes["rows"]
            )
            + ".",
        )


def on_submit(room: str, token: str, turn: int, decisions: tuple[str, ...]) -> None:
    moves = {d: st.session_state.get(f"g_move_{turn}_{d}") for d in decisions}
    out = attempt(rooms.submit, room, token, turn, moves, where=MOVE_NOTICES)
    if out:
        notify(
            "success",
            "Move committed."
            + (
                " Every team has moved: the month is adjudicated."
                if out["adjudicated"]
                else " Waiting for the other teams."
            ),
            MOVE_NOTICES,
        )


DONE = {
    "inject": "Inject added for the coming month.",
    "custom": "Custom inject set for the coming month.",
    "pause": "The game is paused.",
    "resume": "The game is running again.",
    "undo": "Undone.",
    "advice": "The model's advice is now {}.",
    "share": "Private options are now {}.",
    "release": "Seat released: its team's link no longer works, and it can be claimed again.",
    "deadline": "Turn deadline set.",
}


def on_facilitate(action: str, **kw) -> None:
    done = DONE.get(action, "Done.")
    if action == "advice":
        done = done.format("shown to the teams" if kw.get("visible") else "hidden")
    elif action == "share":
        done = done.format("shared with every team" if kw.get("shared") else "private")
    elif action == "undo":
        n = kw.get("months", 1)
        done = f"Undone: the last {n} month{'s' if n != 1 else ''}."
    attempt(
        rooms.facilitate, st.session_state[ROOM], st.session_state[TOKEN], action, done=done, **kw
    )


def on_inject() -> None:
    ss = st.session_state
    kind = ss["g_inject_type"]
    on_facilitate(
        "inject",
        kind=kind,
        note=ss.get("g_inject_note", ""),
        value=float(ss["g_inject_value"]) if g.needs_value(kind) else None,
    )


def on_custom() -> None:
    try:
        changes = g.parse_changes(st.session_state.get("g_custom_params", ""))
    except InputError as exc:
        notify("error", f"Refused: {exc.render()}")
        return
    on_facilitate(
        "custom", note=st.session_state.get("g_custom_note") or "custom inject", parameters=changes
    )


def on_undo() -> None:
    on_facilitate("undo", months=int(st.session_state.get("g_undo_months") or 1))


def on_deadline() -> None:
    on_facilitate("deadline", minutes=float(st.session_state.get("g_deadline_minutes") or 0))


def on_reassign(seat: str) -> None:
    ss = st.session_state
    token = attempt(
        rooms.facilitate, ss[ROOM], ss[TOKEN], "reassign", seat=seat, team=ss["g_reassign_team"]
    )
    if token:
        ss[NEW_LINK] = (seat, g.rejoin_link(base(), ss[ROOM], token))
        notify("success", f"{ACTOR_NAMES[seat]} has a new token: hand its team the link below.")


def on_leave() -> None:
    for key in (ROOM, TOKEN, NEW_LINK):
        st.session_state.pop(key, None)
    st.query_params.clear()


# ---------------------------------------------------------------- pieces


def show_notices(where: str = NOTICES) -> None:
    """The messages waiting, in a slot that is on the page whether or not there are any."""
    with st.container(key=f"slot_{where}"):
        for kind, text in st.session_state.pop(where, []):
            getattr(st, kind)(text)


@st.fragment(run_every=REFRESH_SECONDS)
def watch(room: str, seen) -> None:
    """Poll the room; rerun the page when anything in it changed (another team's move).
    The poll also completes a month whose adjudication was cut short."""
    try:
        now = rooms.stamp(room)
    except InputError:
        return
    if tuple(now) != tuple(seen):
        st.rerun()


@st.cache_data(max_entries=64, show_spinner="Playing the move in 1,000 worlds...")
def risk_view(path: str, room: str, stamp: tuple, seat: str, moves: tuple):
    """The risk view of `moves`, with the other teams' committed moves; None if refused."""
    r = g.Rooms(path)
    game, _ = r.load(room)
    others = {s: m for s, m in r.pending_moves(room, len(game.turns)).items() if s != seat}
    try:
        return game.risk(seat, dict(moves), others=others, reps=g.RISK_REPS, months=g.RISK_MONTHS)
    except InputError as exc:
        return exc.render()


@st.cache_data(max_entries=16, show_spinner="Playing the ensemble for the debrief...")
def debrief(path: str, room: str, version: int, teams: str) -> dict:
    game, _ = g.Rooms(path).load(room)
    return report.build(game, teams=json.loads(teams))


def show_log(view: dict, game) -> None:
    if not view["log"]:
        st.caption("No month has been adjudicated yet.")
    for i, entry in reversed(list(enumerate(view["log"]))):
        with st.expander(f"{entry['month']} (turn {i + 1})", expanded=i == len(view["log"]) - 1):
            st.markdown("\n".join(f"- {line}" for line in g.month_lines(game, i)))


def show_public(view: dict) -> None:
    c1, c2 = st.columns([3, 2])
    c1.dataframe(g.state_rows(view["state"]), hide_index=True, width="stretch")
    c2.dataframe(g.seat_rows(view), hide_index=True, width="stretch")


def header(view: dict, who: str, game) -> None:
    """The room's heading and its news, in one container so the page keeps its shape."""
    st.markdown(
        f"### Room {view['room']} · {who} · {view['state']['month']} · turn {view['turn'] + 1}"
    )
    with st.container(key="room_news"):
        for kind, text in g.announcements(game):
            getattr(st, kind)(text)
        if view["finished"]:
            st.success("The game is over. The facilitator can download the after-action report.")
        elif view["paused"]:
            st.warning("The facilitator has paused the game: moves are kept, the month waits.")
        waiting = [s for s, h in view["seats"].items() if h == "player" and s not in view["moved"]]
        if waiting and not view["finished"]:
            st.caption(
                "Waiting for: " + ", ".join(ACTOR_NAMES[s] for s in waiting) + ". The page "
                f"refreshes itself every {REFRESH_SECONDS} seconds."
            )
        deadline = g.deadline_text(view)
        if deadline:
            st.caption(deadline)


def percent_column(name: str):
    return st.column_config.ProgressColumn(name, format="percent", min_value=0, max_value=1)


def move_picker(room: str, token: str, view: dict, seat: str, seen) -> None:
    private = view["private"][seat]
    options, turn = private["options"], view["turn"]
    st.markdown(f"#### {ACTOR_NAMES[seat]}'s options for {view['state']['month']}")
    st.dataframe(g.option_rows(options), hide_index=True, width="stretch")
    if private.get("waiting_on"):
        st.caption(
            g.depends_text(private["waiting_on"]) + " moves before you this month and has not "
            "moved yet: options marked 'depends' are settled once it has."
        )
    start = g.default_moves(options)
    cols = st.columns(len(options))
    for col, (decision, opts) in zip(cols, options.items()):
        key = f"g_move_{turn}_{decision}"  # starts where the seat stands; no option: back there
        st.session_state[key] = g.picked(opts, st.session_state.get(key), start[decision])
        col.radio(
            words.decision(decision).what.capitalize(),
            [o.index for o in opts],
            format_func=lambda k, opts=opts: g.option_label(opts[g.picked(opts, k, 0)]),
            key=key,
        )
    moves = {
        d: g.picked(opts, st.session_state.get(f"g_move_{turn}_{d}"), start[d])
        for d, opts in options.items()
    }
    chosen = [options[d][k] for d, k in moves.items()]
    for o in chosen:
        if o.depends_on:
            st.info(f"'{o.label}' depends on what {g.depends_text(o.depends_on)} does this month.")
        elif not o.allowed:
            st.warning(
                f"'{o.label}' is blocked this month: {o.blocked_text} (lifted by {o.lift_text})."
            )
        elif o.note:
            st.info(f"'{o.label}': {o.note}.")
    if "advice" in private:
        with st.expander("The model's advice: its own odds for this seat this month"):
            st.dataframe(
                g.advice_rows(private["advice"]),
                hide_index=True,
                width="stretch",
                column_config={"model's odds": percent_column("model's odds")},
            )
    else:
        st.caption("The facilitator has hidden the model's advice.")
    if all(o.allowed or o.depends_on for o in chosen):
        risk = risk_view(str(rooms.path), room, tuple(seen), seat, tuple(sorted(moves.items())))
        st.markdown("**Risk view** (the move played now, the model playing everything after)")
        if isinstance(risk, str):
            st.caption(f"No risk view for this move: {risk}")
        else:
            head, *lines = g.risk_sentences(seat, risk)
            st.markdown(head + "\n\n" + "\n".join(f"- {line}" for line in lines))
            st.dataframe(
                g.answer_rows(risk),
                hide_index=True,
                width="stretch",
                column_config={
                    "after the move": percent_column("after the move"),
                    "if holding": percent_column("if holding"),
                },
            )
    if private["moved"]:
        st.success(
            f"Your move for {view['state']['month']} is committed: "
            f"{g.move_text(options, private['move'] or {})}. A second, different move "
            "this month will be refused (the facilitator can undo)."
        )
    st.button(
        "Confirm move",
        type="primary",
        key="g_confirm",
        on_click=on_submit,
        args=(room, token, turn, tuple(options)),
        disabled=view["finished"],
    )
    show_notices(MOVE_NOTICES)


def team_page(room: str, token: str, view: dict, seen) -> None:
    seat = view["role"]
    game, _ = rooms.load(room)
    header(view, ACTOR_NAMES[seat], game)
    show_notices()
    show_public(view)
    if view["finished"]:
        show_notices(MOVE_NOTICES)
    else:
        move_picker(room, token, view, seat, seen)
    for other, private in view["private"].items():
        if other != seat:
            with st.expander(f"Shared by the facilitator: {ACTOR_NAMES[other]}'s options"):
                st.dataframe(g.option_rows(private["options"]), hide_index=True)
    st.markdown("#### Turn log")
    show_log(view, game)
    with st.expander("Your rejoin link (keep it in your team)"):
        st.code(g.rejoin_link(base(), room, token), language=None)


def room_tab(room: str, token: str, view: dict) -> None:
    st.markdown("**Join links** (one per team; each gets its own token when it claims)")
    for seat, holder in view["seats"].items():
        if holder == "player":
            st.markdown(f"{ACTOR_NAMES[seat]}:")
            st.code(g.join_link(base(), room, seat), language=None)
    with st.expander("Your facilitator link (keep it private)"):
        st.code(g.rejoin_link(base(), room, token), language=None)
        st.caption(f"Facilitator token: {token}")
    show_public(view)
    for seat, private in view["private"].items():
        if private["moved"]:
            st.caption(
                f"{ACTOR_NAMES[seat]} has moved: "
                f"{g.move_text(private['options'], private['move'] or {})}"
            )
    players = [s for s, h in view["seats"].items() if h == "player"]
    st.markdown("**Seats** (release one so another team can claim it, or give it a new link)")
    c1, c2 = st.columns(2)
    seat = c1.selectbox("Seat", players, format_func=ACTOR_NAMES.get, key="g_manage_seat")
    c2.text_input("New team's name", key="g_reassign_team")
    b1, b2 = st.columns(2)
    b1.button(
        "Release seat",
        key="g_release",
        on_click=on_facilitate,
        args=("release",),
        kwargs={"seat": seat},
        disabled=seat not in view["claimed"],
    )
    b2.button("Give the seat a new link", key="g_reassign", on_click=on_reassign, args=(seat,))
    new = st.session_state.get(NEW_LINK)
    if new:
        st.caption(f"{ACTOR_NAMES[new[0]]}'s new rejoin link (hand it to the team):")
        st.code(new[1], language=None)
    st.markdown("**Turn deadline** (the model plays the teams that have not moved by then)")
    d1, d2 = st.columns([2, 1])
    d1.number_input(
        "Minutes a month (0: no deadline)",
        min_value=0.0,
        max_value=24 * 60.0,
        step=1.0,
        key="g_deadline_minutes",
    )
    d2.button("Set the deadline", key="g_deadline", on_click=on_deadline)


def controls(view: dict, game) -> None:
    c1, c2 = st.columns(2)
    with c1:
        st.markdown("**Add an inject** (for the coming month)")
        kind = st.selectbox(
            "Inject", list(INJECT_TYPES), format_func=g.inject_label, key="g_inject_type"
        )
        if g.needs_value(kind):
            st.number_input(f"Value ({INJECT_TYPES[kind][1]})", key="g_inject_value")
        st.text_input("Note", key="g_inject_note")
        st.button("Add inject", on_click=on_inject, key="g_inject")
    with c2:
        st.markdown("**Custom inject** (parameter changes by dotted name)")
        st.text_input("What happens", key="g_custom_note")
        st.text_area(
            "Parameter changes", placeholder="seoul.public_opposition = 0.5", key="g_custom_params"
        )
        st.button("Apply custom inject", on_click=on_custom, key="g_custom")
    pending = g.pending_text(game.pending)
    st.caption("Waiting for the coming month: " + ("; ".join(pending) if pending else "nothing"))
    b1, b2, b3, b4 = st.columns(4)
    if view["paused"]:
        b1.button("Resume", on_click=on_facilitate, args=("resume",), key="g_resume")
    else:
        b1.button("Pause", on_click=on_facilitate, args=("pause",), key="g_pause")
    with b2:
        most = max(1, len(game.turns))
        st.session_state["g_undo_months"] = min(
            max(int(st.session_state["g_undo_months"]), 1), most
        )
        st.number_input(
            "Months to undo",
            min_value=1,
            max_value=most,
            step=1,
            key="g_undo_months",
            disabled=not game.turns,
        )
        st.button("Undo", on_click=on_undo, key="g_undo", disabled=not game.turns)
    b3.button(
        "Hide model advice" if view["advice_visible"] else "Reveal model advice",
        on_click=on_facilitate,
        args=("advice",),
        kwargs={"visible": not view["advice_visible"]},
        key="g_advice",
    )
    b4.button(
        "Stop sharing private info" if view["shared"] else "Share private info",
        on_click=on_facilitate,
        args=("share",),
        kwargs={"shared": not view["shared"]},
        key="g_share",
    )


def replay_tab(view: dict, game) -> None:
    show_log(view, game)
    if game.turns:
        n = len(game.turns)
        turn = st.slider("Replay turn", 1, n, n, key="g_replay") if n > 1 else 1
        r = g.replay(game, turn - 1)
        st.markdown(
            f"**{r['month']}** · moves: "
            + ("; ".join(f"{ACTOR_NAMES[s]}: {m}" for s, m in r["moves"].items()) or "none")
            + " · injects: "
            + ("; ".join(r["injects"]) or "none")
        )
        st.markdown("\n".join(f"- {line}" for line in r["lines"]))
        st.caption(
            "After the month: "
            + "; ".join(r["after"].values())
            + f"; public opposition {r['opposition']:.1%}"
        )


def debrief_tab(room: str, view: dict, version: int) -> None:
    if not view["turn"]:
        st.caption("The debrief opens once a month has been played.")
        return
    rep = debrief(str(rooms.path), room, version, json.dumps(view["claimed"], sort_keys=True))
    for name, chart in report.charts(rep).items():
        st.altair_chart(chart, key=f"g_chart_{name}")
    st.markdown(report.to_markdown(rep))


def files_tab(room: str, game, view: dict, version: int) -> None:
    stem = g.file_stem(game, room)
    teams = json.dumps(view["claimed"], sort_keys=True)
    path = str(rooms.path)
    st.download_button(
        "Game (JSON)",
        data=g.game_json(game),
        file_name=f"{stem}.json",
        mime="application/json",
        key="g_dl_json",
        on_click="ignore",
    )
    st.download_button(
        "After-action report (Markdown)",
        data=lambda: report.to_markdown(debrief(path, room, version, teams)),
        file_name=f"{stem}-report.md",
        mime="text/markdown",
        key="g_dl_md",
        on_click="ignore",
    )
    st.download_button(
        "After-action report (HTML, with charts)",
        data=lambda: report.to_html(debrief(path, room, version, teams)),
        file_name=f"{stem}-report.html",
        mime="text/html",
        key="g_dl_html",
        on_click="ignore",
    )


def facilitator_page(room: str, token: str, view: dict, version: int) -> None:
    keep_fields()
    game, _ = rooms.load(room)
    header(view, "facilitator", game)
    show_notices()
    tabs = st.tabs(FACILITATOR_TABS, key="g_fac_tab", on_change="rerun")
    with tabs[0]:
        room_tab(room, token, view)
    with tabs[1]:
        controls(view, game)
    with tabs[2]:
        replay_tab(view, game)
    with tabs[3]:
        if tabs[3].open:  # the ensemble runs only when the debrief is looked at
            debrief_tab(room, view, version)
    with tabs[4]:
        files_tab(room, game, view, version)


def base() -> str:
    return g.base_url(st.context.url or "http://localhost:8501")


def start_page(link: dict) -> None:
    st.markdown("### Game: teams hold seats, the model adjudicates every month")
    show_notices()
    if link.get("room") and link.get("seat") in SEATS:
        room, seat = link["room"], link["seat"]
        st.markdown(f"#### Join room {room} as {ACTOR_NAMES[seat]}")
        st.text_input("Team name (optional)", key="g_team", max_chars=60)
        st.button(
            f"Claim {ACTOR_NAMES[seat]}",
            type="primary",
            key="g_claim_link",
            on_click=on_claim,
            args=(room, seat),
        )
    tabs = st.tabs(["Join a room", "Run a room (facilitator)", "Resume a saved game"])
    with tabs[0]:
        st.text_input("Room id", value=link.get("room", ""), key="g_join_room", max_chars=100)
        st.selectbox("Seat", SEATS, format_func=ACTOR_NAMES.get, key="g_join_seat")
        st.text_input("Team name (optional)", key="g_join_team", max_chars=60)
        st.button("Claim seat", key="g_claim", on_click=on_claim)
        st.text_input("Rejoin: your token", key="g_join_token", type="password", max_chars=100)
        st.button("Rejoin", key="g_rejoin", on_click=on_rejoin)
    with tabs[1]:
        settings = session.current()
        st.selectbox(
            "Scenario",
            [CURRENT] + scenario_names(),
            key="g_scenario",
            format_func=lambda k: f"{k} ({settings.label()})" if k == CURRENT else k,
        )
        st.multiselect(
            "Seats held by players (the model plays the others)",
            SEATS,
            default=["seoul", "moscow"],
            format_func=ACTOR_NAMES.get,
            key="g_players",
        )
        st.number_input(
            "Seed",
            min_value=0,
            max_value=state.DASHBOARD_MAX_SEED,
            value=settings.seed,
            step=1,
            key="g_seed",
        )
        st.button("Create room", type="primary", key="g_create", on_click=on_create)
    with tabs[2]:
        st.file_uploader(
            "A game file (JSON) saved from this page or by `redline play`",
            type=["json"],
            key="g_upload",
            on_change=on_resume,
            max_upload_size=state.GAME_UPLOAD_MB,
        )


# ---------------------------------------------------------------- the page

link = g.read_link(st.query_params.to_dict())
if (
    link.get("room")
    and link.get("token")
    and ((link["room"], link["token"]) != (st.session_state.get(ROOM), st.session_state.get(TOKEN)))
):
    on_rejoin(link["room"], link["token"])
    st.query_params.clear()  # the token leaves the address bar once it is in the session

room, token = st.session_state.get(ROOM), st.session_state.get(TOKEN)
if not room:
    start_page(link)
    st.stop()

try:
    seen = rooms.stamp(room)
    view = rooms.view(room, token)
except InputError as exc:
    ui.error(exc)
    st.button("Leave the room", on_click=on_leave, key="g_leave")
    st.stop()

if view["role"] == "facilitator":
    facilitator_page(room, token, view, seen[0])
else:
    team_page(room, token, view, seen)
c1, c2 = st.columns([1, 5])
c1.button("Refresh", key="g_refresh")
c2.button("Leave the room", on_click=on_leave, key="g_leave")
watch(room, seen)
