"""Recording, playback and evidence clips: the service wiring the recorder to the index,
its routes and the playback page."""
