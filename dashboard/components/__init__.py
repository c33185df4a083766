"""Browser components of the command center (Streamlit v2 components with inline JS/CSS)."""
