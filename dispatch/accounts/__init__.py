"""Accounts and access: users with a home center and roles, browser sessions, API tokens,
login throttling and the access audit. Never imports Streamlit or Starlette; the web edge
lives in :mod:`dashboard.auth`."""
