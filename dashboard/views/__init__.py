"""The Streamlit page scripts (run by ``st.navigation``, not imported)."""
