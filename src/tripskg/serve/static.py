"""Static assets, with precompressed files: ``x.js.gz`` is served for ``/static/x.js``.

Large vendored bundles (Swagger UI) are kept gzip-compressed in the package (a third of the
size); clients that accept gzip (every browser) get the compressed bytes with
``Content-Encoding: gzip``, others the decompressed file. Paths are resolved by Starlette's
``StaticFiles.lookup_path`` (no escape from the folder) in both cases.
"""

from __future__ import annotations

import gzip
import mimetypes
import stat
from pathlib import Path

import anyio
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope

from ..web.formats import accepts_gzip


class PrecompressedStaticFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as e:
            if e.status_code != 404 or path.endswith(".gz"):
                raise
        try:
            full, st = await anyio.to_thread.run_sync(self.lookup_path, path + ".gz")
        except (OSError, ValueError):
            raise HTTPException(status_code=404) from None
        if st is None or not stat.S_ISREG(st.st_mode):
            raise HTTPException(status_code=404)
        media = mimetypes.guess_type(path)[0] or "application/octet-stream"
        if media.startswith("text/") or media.endswith("javascript"):
            media += "; charset=utf-8"
        if not accepts_gzip(Headers(scope=scope).get("accept-encoding")):
            body = await anyio.to_thread.run_sync(lambda: gzip.decompress(Path(full).read_bytes()))
            return Response(body, media_type=media, headers={"Vary": "Accept-Encoding"})
        response = FileResponse(full, stat_result=st, media_type=media,
                                headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            return NotModifiedResponse(response.headers)
        return response
