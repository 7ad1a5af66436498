"""redline seminar dashboard: `redline dashboard` or `streamlit run dashboard/app.py`.

The entry point every page runs through: page setup, projector styling, reading
the link that opened the session, and the navigation between the six pages.
`dashboard` and `model` are imported as installed packages (a wheel, or the editable
checkout `make` sets up), so the app runs the same from any folder.
"""

import streamlit as st

from dashboard import runs, session, ui

# A drawn favicon: Material-icon and emoji favicons are fetched from the internet, and a
# seminar room may be offline.
st.set_page_config(
    page_title="redline", page_icon=ui.favicon(), layout="wide", initial_sidebar_state="expanded"
)
ui.projector_style()
session.start()

QUEUED = {"Scenario", "Compare"}  # short runs, taken in turn (dashboard.runs.one_at_a_time)
PAGES = [
    st.Page("views/scenario.py", title="Scenario", icon=":material/tune:", default=True),
    st.Page(
        "views/compare.py", title="Compare", icon=":material/compare_arrows:", url_path="compare"
    ),
    st.Page("views/sweep.py", title="Sweep", icon=":material/show_chart:", url_path="sweep"),
    st.Page(
        "views/sensitivity.py",
        title="Sensitivity",
        icon=":material/bar_chart:",
        url_path="sensitivity",
    ),
    st.Page(
        "views/evidence.py", title="Evidence", icon=":material/menu_book:", url_path="evidence"
    ),
    st.Page("views/game.py", title="Game", icon=":material/groups:", url_path="game"),
]
page = st.navigation(PAGES, position="top")
# (getattr: a worker process that re-imports this file outside Streamlit gets a bare page)
with runs.one_at_a_time(queued=getattr(page, "title", None) in QUEUED):
    page.run()
