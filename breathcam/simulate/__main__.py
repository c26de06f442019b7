"""Render a simulated breathing clip with its truth: ``python -m breathcam.simulate OUT.mp4 [options]``.

Examples::

    python -m breathcam.simulate clip.mp4 --rate 12 --seconds 60 --still astronaut --holds 20:8:inhale
    python -m breathcam.simulate box.mp4 --paced box --seconds 90
    python -m breathcam.simulate real.mp4 --belts F01_resting --belts-start 60 --seconds 120
    python -m breathcam.simulate torso.mp4 --framing torso --seed 3
    python -m breathcam.simulate chest.mp4 --belly-share 0.1                 # chest breathing
    python -m breathcam.simulate para.mp4 --belly-share 0.5 --paradoxical     # paradoxical
    python -m breathcam.simulate switch.mp4 --belly-share 0.15 --switch-at 30 --belly-share-after 0.85

Conditions of real footage (see breathcam.simulate.conditions and breathcam.simulate.side)::

    python -m breathcam.simulate hold.mp4 --seconds 13 --rate 15 --holds 3:7:inhale --framing torso \
        --clothing dark --tape 3 --clap both --stand-sway 4          # a short inhale-hold clip
    python -m breathcam.simulate open.mp4 --seconds 12 --holds 5:20:exhale   # a hold open at the end
    python -m breathcam.simulate side.mp4 --framing side --clothing light --seconds 15 --holds 3:8:exhale
    python -m breathcam.simulate sway.mp4 --stand-sway 8 --framing torso
    python -m breathcam.simulate ae.mp4 --exposure-drift 0.15
    python -m breathcam.simulate lowq.mp4 --jpeg-quality 20

A breath-sound track made from the same breathing (for the sound analysis and live microphone tests)::

    python -m breathcam.simulate voiced.mp4 --sound --sound-snr 15 --sound-noise fan

A hold still running at the clip's end is in the truth with "open": true and the clip's end as its end.

Writes OUT.mp4 and OUT.truth.json beside it; prints a one-line summary and the render speed.
"""

from __future__ import annotations

import argparse
import sys
import time

from breathcam.types import BreathcamError, ParameterError


def _hold(text: str) -> tuple[float, float, str]:
    try:
        at, seconds, after = text.split(":")
        return float(at), float(seconds), after
    except ValueError:
        raise argparse.ArgumentTypeError(f"hold {text!r} is not AT:SECONDS:inhale|exhale") from None


def build_parser() -> argparse.ArgumentParser:
    from breathcam.simulate.conditions import CLAPS, CLOTHING, JOLT_PX
    from breathcam.simulate.render import FRAMINGS, STILLS
    from breathcam.simulate.waveform import PACED_PATTERNS

    p = argparse.ArgumentParser(prog="python -m breathcam.simulate", description=__doc__.split("\n")[0])
    p.add_argument("out", help="clip to write (.mp4 with mp4v, .avi with MJPG)")
    g = p.add_argument_group("breathing")
    g.add_argument("--rate", type=float, default=12.0, help="breaths per minute (default 12)")
    g.add_argument("--seconds", type=float, default=60.0, help="clip length (default 60)")
    g.add_argument("--holds", type=_hold, nargs="*", default=[], metavar="AT:SECONDS:AFTER",
                   help="breath holds, e.g. 20:8:inhale 45:6:exhale")
    g.add_argument("--paced", choices=sorted(PACED_PATTERNS), help="paced pattern instead of --rate")
    g.add_argument("--irregularity", type=float, default=0.05, help="breath-to-breath spread (default 0.05)")
    g.add_argument("--sigh-every", type=float, default=None, metavar="S", help="mean seconds between sighs")
    g.add_argument("--belly-share", type=float, default=0.5, help="belly's share of each breath (default 0.5)")
    g.add_argument("--phase", type=float, default=0.0, help="belly lag behind the chest, degrees")
    g.add_argument("--paradoxical", action="store_true", help="belly moves in while the chest moves out")
    g.add_argument("--switch-at", type=float, default=None, metavar="S",
                   help="change the belly share at the first breath after S seconds (with --belly-share-after)")
    g.add_argument("--belly-share-after", type=float, default=None, metavar="SHARE",
                   help="belly share after --switch-at, e.g. --belly-share 0.15 --switch-at 30 --belly-share-after 0.85")
    g.add_argument("--belts", metavar="RECORDING", help="real breathing from a VRWi belt recording, e.g. F01_resting")
    g.add_argument("--belts-start", type=float, default=60.0, help="seconds into the belt recording (default 60)")
    r = p.add_argument_group("rendering")
    r.add_argument("--still", choices=STILLS, default="astronaut")
    r.add_argument("--framing", choices=FRAMINGS, default="full",
                   help="full, torso (head out of frame), tight (chest-belly only), side (a drawn side view)")
    r.add_argument("--width", type=int, default=640)
    r.add_argument("--height", type=int, default=480)
    r.add_argument("--fps", type=float, default=30.0)
    r.add_argument("--amplitude", type=float, default=6.0, help="px per unit excursion (default 6)")
    r.add_argument("--sway", type=float, default=1.5, help="body sway, px (default 1.5)")
    r.add_argument("--shake", type=float, default=0.3, help="camera shake, px (default 0.3)")
    r.add_argument("--noise", type=float, default=2.0, help="sensor noise, grey levels (default 2)")
    r.add_argument("--codec", default="mp4v")
    c = p.add_argument_group("conditions of real footage (all off by default)")
    c.add_argument("--clap", choices=CLAPS, default="none",
                   help="a clap at the start and the end: hands crossing the torso, a camera jolt, or both")
    c.add_argument("--jolt", type=float, default=JOLT_PX, metavar="PX", help=f"the camera jolt's peak, px (default {JOLT_PX:g})")
    c.add_argument("--stand-sway", type=float, default=0.0, metavar="PX",
                   help="a standing person's sway about the ankles, peak px at the shoulders (2-10)")
    c.add_argument("--exposure-drift", type=float, default=0.0, metavar="SHARE",
                   help="auto-exposure gain drift and steps, peak-to-peak share (0.05-0.2)")
    c.add_argument("--jpeg-quality", type=int, default=None, metavar="Q", help="every frame through JPEG at this quality (15-30: low bitrate)")
    c.add_argument("--clothing", choices=CLOTHING, default="original", help="recolour the clothing: plain dark or a light T-shirt")
    c.add_argument("--tape", type=int, default=0, metavar="N", help="N strips of white tape on the sternum (over a phone on a light shirt)")
    from breathcam.simulate.sound import NOISES

    a = p.add_argument_group("sound track (off by default)")
    a.add_argument("--sound", action="store_true", help="add breath sounds driven by the same breathing as a sound track")
    a.add_argument("--sound-snr", type=float, default=20.0, metavar="DB", help="breath sound over background noise (default 20)")
    a.add_argument("--sound-noise", choices=NOISES, default="white", help="the background noise (default white)")
    a.add_argument("--sound-rate", type=float, default=16000.0, metavar="HZ", help="the track's sample rate (default 16000)")
    p.add_argument("--seed", type=int, default=0)
    return p


def _sound_track(args: argparse.Namespace):
    if not args.sound:
        return None
    from breathcam.simulate.sound import SoundTrack

    return SoundTrack(snr_db=args.sound_snr, noise=args.sound_noise, fs_hz=args.sound_rate)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        from breathcam.simulate.render import render_clip, truth_path

        if args.belts:
            if args.holds or args.paced or args.switch_at is not None:
                raise ParameterError("--belts replays real breathing; --holds, --paced and --switch-at do not apply")
            from breathcam.simulate.belts import load_belts

            breathing = load_belts(args.belts, start_s=args.belts_start, duration_s=args.seconds,
                                   fs_hz=args.fps, belly_share=args.belly_share, paradoxical=args.paradoxical)
        else:
            from breathcam.simulate.waveform import simulate_breathing

            breathing = simulate_breathing(
                duration_s=args.seconds, fs_hz=max(args.fps, 30.0), rate_bpm=args.rate,
                irregularity=args.irregularity, sigh_every_s=args.sigh_every, holds=args.holds,
                paced=args.paced, belly_share=args.belly_share, phase_deg=args.phase,
                paradoxical=args.paradoxical, switch_at_s=args.switch_at,
                belly_share_after=args.belly_share_after, seed=args.seed, open_holds=True,
            )
        start = time.perf_counter()
        path = render_clip(
            breathing, args.out, still=args.still, width=args.width, height=args.height, fps=args.fps,
            amplitude_px=args.amplitude, sway_px=args.sway, shake_px=args.shake, noise_std=args.noise,
            framing=args.framing, codec=args.codec, seed=args.seed, clap=args.clap, jolt_px=args.jolt,
            stand_sway_px=args.stand_sway, exposure_drift=args.exposure_drift, jpeg_quality=args.jpeg_quality,
            clothing=args.clothing, tape_strips=args.tape, sound=_sound_track(args),
        )
        elapsed = time.perf_counter() - start
    except BreathcamError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    truth = breathing.truth
    n = int(round(truth.duration_s * args.fps))
    rate = "none" if truth.rate_bpm is None else f"{truth.rate_bpm:.2f}/min"
    print(f"{path}: {n} frames, {len(truth.breaths)} breaths, rate {rate}, {len(truth.holds)} holds; "
          f"truth {truth_path(path)}")
    print(f"rendered in {elapsed:.1f} s ({1000 * elapsed / max(1, n):.1f} ms/frame incl. pose and encoding)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
