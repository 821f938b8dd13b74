"""Baking a PNG badge: our chunk splice against a Pillow re-encode of the same image, one run.

    .venv/bin/python -m benchmarks.baking [--count 200] [--rounds 5] [--size 512]

credentials.vc.baking.bake_png copies the PNG's chunks (checking each one's CRC) and inserts
an iTXt chunk before IEND, decoding no pixel. The baseline is what baking with an image
library costs: Pillow opens the same bytes, decodes them and saves them again with the same
iTXt chunk (PngInfo.add_itxt), at Pillow's default compression. Both bake the same
credential-sized text (about 8 kB of JSON, as signed credentials here are) into the same
badge: a square RGBA image with gradients and noise, so it compresses like a real badge
rather than like a flat colour.

Rounds interleave the two; each measurement bakes --count times. Prints each round's times
per bake, then the ratio of medians, ours / Pillow's. Target: at most 0.1.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time
from collections.abc import Callable

from PIL import Image, PngImagePlugin

from credentials.vc.baking import OB3_PNG_KEYWORD, bake_png, unbake_png


def badge_png(size: int) -> bytes:
    red = Image.linear_gradient("L").resize((size, size))
    green = Image.radial_gradient("L").resize((size, size))
    blue = Image.effect_noise((size, size), 64)
    alpha = Image.radial_gradient("L").resize((size, size)).point(lambda v: 255 - v // 2)
    buffer = io.BytesIO()
    Image.merge("RGBA", (red, green, blue, alpha)).save(buffer, format="PNG")
    return buffer.getvalue()


def credential_text() -> str:
    alignments = [
        {
            "type": ["Alignment"],
            "targetName": f"Skill number {n}",
            "targetUrl": f"http://data.europa.eu/esco/skill/{n:08d}-0000-4000-8000-000000000000",
        }
        for n in range(20)
    ]
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Données et récits",
        "credentialSubject": {"achievement": {"alignment": alignments, "description": "x" * 2000}},
        "proof": {"proofValue": "z" + "5" * 86},
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def pillow_bake(image: bytes, text: str) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_itxt(OB3_PNG_KEYWORD, text)
    buffer = io.BytesIO()
    with Image.open(io.BytesIO(image)) as decoded:
        decoded.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def seconds_per_bake(
    bake: Callable[[bytes, str], bytes], image: bytes, text: str, count: int
) -> float:
    start = time.perf_counter()
    for _ in range(count):
        bake(image, text)
    return (time.perf_counter() - start) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="bakes per measurement")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", type=int, default=512, help="the badge's width and height")
    arguments = parser.parse_args()

    image = badge_png(arguments.size)
    text = credential_text()
    # Both produce a PNG that carries the text, so the comparison is like for like.
    assert unbake_png(bake_png(image, text)) == text
    assert unbake_png(pillow_bake(image, text)) == text
    print(
        f"badge {arguments.size}x{arguments.size} RGBA, {len(image)} bytes; "
        f"credential {len(text.encode())} bytes"
    )

    ours: list[float] = []
    pillows: list[float] = []
    # Warm-up: imports, Pillow's plugin registry, allocator.
    seconds_per_bake(bake_png, image, text, 5)
    seconds_per_bake(pillow_bake, image, text, 2)
    for round_number in range(1, arguments.rounds + 1):
        ours.append(seconds_per_bake(bake_png, image, text, arguments.count))
        pillow_count = max(1, arguments.count // 20)
        pillows.append(seconds_per_bake(pillow_bake, image, text, pillow_count))
        print(
            f"round {round_number}: ours {ours[-1] * 1e6:.0f} µs, "
            f"Pillow re-encode {pillows[-1] * 1e6:.0f} µs per bake"
        )
    ratio = statistics.median(ours) / statistics.median(pillows)
    print(f"RATIO ours / Pillow re-encode: {ratio:.4f}x (target <= 0.1x)")


if __name__ == "__main__":
    main()
