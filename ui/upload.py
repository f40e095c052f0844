"""The upload component: an image that reaches the handler unopened."""

from __future__ import annotations

import gradio as gr
from gradio.data_classes import ImageData


class UploadedImage(gr.Image):
    """``gr.Image`` (``type="filepath"``) whose upload reaches the handler unopened, readable
    or not, so that ``cam_core`` can say what is wrong with it.

    Why: ``gr.Image`` opens every upload with PIL before any handler runs. A file PIL cannot
    read (a renamed document, a HEIC photo) then failed the event with a bare "Error" and,
    the live handler being batched, failed every other upload in the same batch with it.
    Readable files are passed on exactly as ``gr.Image`` passes them (its path, unconverted).
    """

    is_template = True  # drawn by the browser's Image component

    def preprocess(self, payload: ImageData | None) -> str | None:
        """The uploaded file's path on the server (as ``gr.Image`` gives it), or the image's
        ``data:`` URL as sent (an API client may): cam_core decodes and checks it, where
        gr.Image would decode it with PIL before any check. None if empty."""
        url = (payload.url or "") if payload is not None else ""
        if url[:5].lower() == "data:":
            return url
        if payload is not None and payload.path:
            return str(payload.path)
        return super().preprocess(payload)
