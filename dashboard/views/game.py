"""Game: a wargame room. The facilitator runs it, teams hold seats, the model adjudicates."""

import streamlit as st

from dashboard import game as g
from dashboard import session, state, ui
from model import InputError, scenario_names
from model.game import report
from model.game.engine import SEATS
from model.scenario import EVENT_TYPES
from model.words import ACTOR_NAMES

ROOM, TOKEN, NOTICES = "game_room", "game_token", "game_notices"
MOVE_NOTICES = "game_move_notices"  # shown by the Confirm button
CURRENT = "current dashboard settings"
REFRESH_SECONDS = 4

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
        f"players hold {', '.join(players)}.",
    )


def on_claim(room: str | None = None, seat: str | None = None) -> None:
    """Claim a seat: the link's room and seat, else the Join tab's fields."""
    room = (room or st.session_state.get("g_join_room") or "").strip()
    seat = seat or st.session_state.get("g_join_seat")
    team = st.session_state.get("g_team") or st.session_state.get("g_join_team") or ""
    token = attempt(rooms.claim, room, seat, team.strip()[:60])
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
    except InputError as exc:
        notify("error", f"Game file refused, no room opened. {exc.render()}")
        return
    room, token = rooms.restore(game)
    enter(room, token)
    notify("success", f"Room {room} continues '{uploaded.name}' after {len(game.turns)} turn(s).")


def on_submit(room: str, token: str, turn: int, decisions: tuple[str, ...]) -> None:
    moves = {d: st.session_state[f"g_move_{turn}_{d}"] for d in decisions}
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


def on_facilitate(action: str, **kw) -> None:
    attempt(
        rooms.facilitate,
        st.session_state[ROOM],
        st.session_state[TOKEN],
        action,
        **kw,
        done=f"Done: {action}.",
    )


def on_inject() -> None:
    ss = st.session_state
    kind = ss["g_event"]
    on_facilitate(
        "inject",
        kind=kind,
        note=ss.get("g_event_note", ""),
        value=float(ss["g_event_value"]) if g.needs_value(kind) else None,
    )


def on_custom() -> None:
    try:
        changes = g.parse_changes(st.session_state.get("g_custom_params", ""))
    except InputError as exc:
        notify("error", f"Refused: {exc.render()}")
        return
    on_facilitate(
        "custom", note=st.session_state.get("g_custom_note") or "custom event", parameters=changes
    )


def on_leave() -> None:
    for key in (ROOM, TOKEN):
        st.session_state.pop(key, None)
    st.query_params.clear()


# ---------------------------------------------------------------- pieces


def show_notices(where: str = NOTICES) -> None:
    for kind, text in st.session_state.pop(where, []):
        getattr(st, kind)(text)


@st.fragment(run_every=REFRESH_SECONDS)
def watch(room: str, seen) -> None:
    """Poll the room; rerun the page when anything in it changed (another team's move)."""
    try:
        now = rooms.stamp(room)
    except InputError:
        return
    if tuple(now) != tuple(seen):
        st.rerun()


@st.cache_data(max_entries=64, show_spinner="Playing the move in 1,000 worlds...")
def risk_view(path: str, room: str, version: int, seat: str, moves: tuple) -> dict:
    game, _ = g.Rooms(path).load(room)
    return game.risk(seat, dict(moves), reps=g.RISK_REPS, months=g.RISK_MONTHS)


def show_log(view: dict, game) -> None:
    if not view["log"]:
        st.caption("No month has been adjudicated yet.")
    for i, entry in reversed(list(enumerate(view["log"]))):
        with st.expander(f"{entry['month']} (turn {i + 1})", expanded=i == len(view["log"]) - 1):
            st.markdown("\n".join(f"- {line}" for line in g.month_lines(game, i)))


def show_public(view: dict) -> None:
    c1, c2 = st.columns(2)
    c1.dataframe(g.state_rows(view["state"]), hide_index=True, width="stretch")
    c2.dataframe(g.seat_rows(view), hide_index=True, width="stretch")


def header(view: dict, who: str) -> None:
    st.markdown(
        f"### Room {view['room']} · {who} · {view['state']['month']} · turn {view['turn'] + 1}"
    )
    if view["finished"]:
        st.success("The game is over. The facilitator can download the after-action report.")
    elif view["paused"]:
        st.warning("The facilitator has paused the game: moves are kept, the month waits.")
    waiting = [s for s, h in view["seats"].items() if h == "player" and s not in view["moved"]]
    if waiting and not view["finished"]:
        st.caption(
            "Waiting for: " + ", ".join(waiting) + f". The page refreshes itself every "
            f"{REFRESH_SECONDS} seconds."
        )


def move_picker(room: str, token: str, view: dict, seat: str, version: int) -> None:
    private = view["private"][seat]
    options, turn = private["options"], view["turn"]
    st.markdown(f"#### {ACTOR_NAMES[seat]}'s options for {view['state']['month']}")
    st.dataframe(g.option_rows(options), hide_index=True, width="stretch")
    start = g.default_moves(options, g.current_moves(seat, view["state"]))
    cols = st.columns(len(options))
    for col, (decision, opts) in zip(cols, options.items()):
        col.radio(
            decision,
            [o.index for o in opts],
            index=start[decision],
            format_func=lambda k, opts=opts: g.option_label(opts[k]),
            key=f"g_move_{turn}_{decision}",
        )
    moves = {d: st.session_state[f"g_move_{turn}_{d}"] for d in options}
    chosen = [options[d][k] for d, k in moves.items()]
    for o in chosen:
        if not o.allowed:
            st.warning(
                f"'{o.label}' is blocked this month: "
                + "; ".join(row["blocked by"] for row in g.option_rows({"x": [o]}))
            )
        elif o.note:
            st.info(f"'{o.label}': {o.note}.")
    if "advice" in private:
        with st.expander("The model's advice: what it would choose for this seat"):
            st.dataframe(
                g.advice_rows(private["advice"]),
                hide_index=True,
                width="stretch",
                column_config={
                    "model's odds": st.column_config.ProgressColumn(
                        "model's odds", format="percent", min_value=0, max_value=1
                    )
                },
            )
    else:
        st.caption("The facilitator has hidden the model's advice.")
    if all(o.allowed for o in chosen):
        risk = risk_view(str(rooms.path), room, version, seat, tuple(sorted(moves.items())))
        st.markdown("**Risk view** (the move played now, the model playing everything else)")
        for line in g.risk_sentences(seat, options, moves, risk):
            st.markdown(f"- {line}")
        st.dataframe(
            g.next_month_rows(seat, risk),
            hide_index=True,
            width="stretch",
            column_config={
                "share of worlds": st.column_config.ProgressColumn(
                    "share of worlds", format="percent", min_value=0, max_value=1
                )
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


def team_page(room: str, token: str, view: dict, version: int) -> None:
    seat = view["role"]
    header(view, f"{ACTOR_NAMES[seat]} ({seat})")
    show_notices()
    show_public(view)
    if view["finished"]:
        show_notices(MOVE_NOTICES)
    else:
        move_picker(room, token, view, seat, version)
    for other, private in view["private"].items():
        if other != seat:
            with st.expander(f"Shared by the facilitator: {ACTOR_NAMES[other]}'s options"):
                st.dataframe(g.option_rows(private["options"]), hide_index=True)
    st.markdown("#### Turn log")
    show_log(view, rooms.load(room)[0])
    with st.expander("Your rejoin link (keep it in your team)"):
        st.code(g.rejoin_link(base(), room, token), language=None)


def facilitator_page(room: str, token: str, view: dict) -> None:
    header(view, "facilitator")
    show_notices()
    game, _ = rooms.load(room)
    tabs = st.tabs(["Room", "Controls", "Log and replay", "Files"])
    with tabs[0]:
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
    with tabs[1]:
        controls(view, game)
    with tabs[2]:
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
    with tabs[3]:
        stem = g.file_stem(game, room)
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
            data=lambda: report.to_markdown(report.build(game)),
            file_name=f"{stem}-report.md",
            mime="text/markdown",
            key="g_dl_md",
            on_click="ignore",
        )
        st.download_button(
            "After-action report (HTML)",
            data=lambda: report.to_html(report.build(game)),
            file_name=f"{stem}-report.html",
            mime="text/html",
            key="g_dl_html",
            on_click="ignore",
        )


def controls(view: dict, game) -> None:
    c1, c2 = st.columns(2)
    with c1:
        st.markdown("**Inject an event** (for the coming month)")
        kind = st.selectbox("Event", list(EVENT_TYPES), format_func=g.event_label, key="g_event")
        if g.needs_value(kind):
            st.number_input(f"Value ({EVENT_TYPES[kind][1]})", value=0.0, key="g_event_value")
        st.text_input("Note", key="g_event_note")
        st.button("Inject event", on_click=on_inject, key="g_inject")
    with c2:
        st.markdown("**Custom event** (parameter changes by dotted name)")
        st.text_input("What happens", key="g_custom_note")
        st.text_area(
            "Parameter changes", placeholder="seoul.public_opposition = 0.5", key="g_custom_params"
        )
        st.button("Apply custom event", on_click=on_custom, key="g_custom")
    pending = g.pending_text(game.pending)
    st.caption("Waiting for the coming month: " + ("; ".join(pending) if pending else "nothing"))
    b1, b2, b3, b4 = st.columns(4)
    if view["paused"]:
        b1.button("Resume", on_click=on_facilitate, args=("resume",), key="g_resume")
    else:
        b1.button("Pause", on_click=on_facilitate, args=("pause",), key="g_pause")
    b2.button(
        "Undo last turn",
        on_click=on_facilitate,
        args=("undo",),
        key="g_undo",
        disabled=not game.turns,
    )
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


def base() -> str:
    return g.base_url(st.context.url or "http://localhost:8501")


def start_page(link: dict) -> None:
    st.markdown("### Game: teams hold seats, the model adjudicates every month")
    show_notices()
    if link.get("room") and link.get("seat") in SEATS:
        room, seat = link["room"], link["seat"]
        st.markdown(f"#### Join room {room} as {ACTOR_NAMES[seat]}")
        st.text_input("Team name (optional)", key="g_team")
        st.button(
            f"Claim {ACTOR_NAMES[seat]}",
            type="primary",
            key="g_claim_link",
            on_click=on_claim,
            args=(room, seat),
        )
    tabs = st.tabs(["Join a room", "Run a room (facilitator)", "Resume a saved game"])
    with tabs[0]:
        st.text_input("Room id", value=link.get("room", ""), key="g_join_room")
        st.selectbox("Seat", SEATS, format_func=ACTOR_NAMES.get, key="g_join_seat")
        st.text_input("Team name (optional)", key="g_join_team")
        st.button("Claim seat", key="g_claim", on_click=on_claim)
        st.text_input("Rejoin: your token", key="g_join_token", type="password")
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
    facilitator_page(room, token, view)
else:
    team_page(room, token, view, seen[0])
c1, c2 = st.columns([1, 5])
c1.button("Refresh", key="g_refresh")
c2.button("Leave the room", on_click=on_leave, key="g_leave")
watch(room, seen)
