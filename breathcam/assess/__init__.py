"""The physiotherapist's assessment (``breathcam assess``): a guided protocol on camera, clinical
scores, and what changed since last time.

- protocol.py: the steps (rest observation, control pause, standing, moving; then the Nijmegen
  questionnaire) and their timeline, with countdowns and skipping; pure.
- observe.py: one step's measurements from the analysis core's breaths and holds (rate,
  variability, I:E on the breaths without holds; holds on their own).
- patterns.py: the five dysfunctional patterns of Boulding et al. (2016), each flagged with the
  value and threshold, or "cannot tell".
- control_pause.py: the breath-hold test from the camera (and key presses), with its bands.
- nijmegen.py: the 16-item questionnaire, EN/NL, asked on the terminal or given.
- run.py: the protocol on a LiveSession (camera or clip, window or headless).
- result.py, history.py, save.py, report.py: the Assessment, the session history (kind
  "assessment"), JSON / CSV / HTML / PDF.
- texts.py: the words, in English and Dutch.
"""
