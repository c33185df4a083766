"""Recording: camera packets copied into segment files, the pre-event buffer, clips."""
