"""The coach: exercises, the pacer, compliance, feedback rules, safety and the messages (en/nl).

Pure Python and numpy; the live engine (breathcam.live) and the overlay call these modules.

- exercises.py: the named exercises and custom in-hold-out-hold patterns
- pacer.py: the pacer's phase, seconds left and target volume at any time
- compliance.py: how closely the measured breaths followed the pacer, per phase
- feedback.py: the corrective cues with cooldowns, one message at a time
- safety.py: the screen before intense exercises, hyperventilation and distress
- messages.py: every sentence in English and Dutch
"""
