import io

import pypdfium2
import zxingcpp
from PIL import Image

from credentials.qr import make_qr_png, make_qr_svg


def decode(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_the_png_decodes_to_the_url() -> None:
    url = "https://unbundled.example/c/7c1e4b1e-1f0e-4a55-9b59-0b6d3f3c5a10/"

    assert decode(Image.open(io.BytesIO(make_qr_png(url)))) == [url]


def test_the_svg_decodes_to_the_url_once_rendered(tmp_path) -> None:
    from weasyprint import HTML

    url = "https://unbundled.example/p/ada/transcript.pdf"
    svg = make_qr_svg(url, title="Scan <me> & check")
    pdf = HTML(string=f"<div style='width:6cm'>{svg}</div>").write_pdf()
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=3).to_pil()

    assert decode(image) == [url]
    assert "<title>Scan &lt;me&gt; &amp; check</title>" in svg
    assert svg.startswith("<svg")
    assert "<script" not in svg
