"""Command-center side of video sessions: the join page and the session page helpers."""
