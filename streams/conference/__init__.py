"""The media side of video sessions: rooms where participants publish by WHIP and everyone
views by WHEP, each feed decoded once and encoded once for all its viewers.

- :mod:`streams.conference.rooms` — :class:`Conference`, every room of the process
- :mod:`streams.conference.room` — one room: publishers, viewers, relay, shared encoders
- :mod:`streams.conference.feeds` — which tracks a viewer of a feed receives
- :mod:`streams.conference.shared_video` — one H.264 encoder per feed for all its viewers
- :mod:`streams.conference.shared_audio` — one Opus encoder per speaker for all listeners
"""
