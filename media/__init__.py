"""Everything that touches ffmpeg: discovery, probing, audio, speech detection, rendering."""
