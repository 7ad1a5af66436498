"""redline's seminar dashboard (Streamlit): `redline dashboard` or `make run`.

Pure modules (no Streamlit): state (settings, URL, uploads), charts, exports,
sweep, sensitivity, evidence. Streamlit glue: session, controls, runs, ui, and
the pages in views/, routed by app.py.
"""
