"""Drawing the live overlay onto frames (draw.py); no windows are opened here."""
