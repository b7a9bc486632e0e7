"""A chart's PNG holds exactly the pixels matplotlib's savefig would, without the alpha."""

from __future__ import annotations

import io

from PIL import Image

from seroi import charts


def test_the_png_is_savefigs_image_opaque_and_rgb() -> None:
    figure = charts.tornado_figure(
        [("commuting", "deadweight", 1.2, 2.9), ("heating", "proxy", 1.8, 2.3)], 2.1, lang="fi"
    )
    ours = Image.open(io.BytesIO(charts.figure_to_png(figure)))
    reference = io.BytesIO()
    figure.savefig(reference, format="png", dpi=charts.DPI)
    theirs = Image.open(reference)
    assert ours.mode == "RGB"
    assert ours.size == theirs.size == (charts.WIDTH_PX, 720)
    assert theirs.getchannel("A").getextrema() == (255, 255)  # nothing is lost by dropping it
    assert ours.tobytes() == theirs.convert("RGB").tobytes()
