"""Stores a JsonlStream's file in the artifact store (copied once, never loaded into memory)."""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

from zenml.enums import ArtifactType
from zenml.io import fileio
from zenml.materializers.base_materializer import BaseMaterializer

from llm_engineering.application.preprocessing.jsonl_stream import JsonlStream

RECORDS = "records.jsonl"
HEADER = "stream.json"


class JsonlStreamMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (JsonlStream,)
    ASSOCIATED_ARTIFACT_TYPE = ArtifactType.DATA

    def save(self, data: JsonlStream) -> None:
        fileio.copy(data.path, os.path.join(self.uri, RECORDS), overwrite=True)
        with fileio.open(os.path.join(self.uri, HEADER), "w") as handle:
            handle.write(json.dumps({"kind": data.kind, "count": data.count}))
        if data.delete_after_save:
            os.remove(data.path)
            data.path = os.path.join(self.uri, RECORDS)
            data.delete_after_save = False

    def load(self, data_type: type[Any]) -> JsonlStream:
        with fileio.open(os.path.join(self.uri, HEADER), "r") as handle:
            header = json.loads(handle.read())
        records = os.path.join(self.uri, RECORDS)
        if not os.path.exists(records):  # a remote artifact store: work on a local copy
            local = tempfile.mkdtemp(prefix="jsonl-stream-")
            fileio.copy(records, os.path.join(local, RECORDS))
            records = os.path.join(local, RECORDS)
        return JsonlStream(path=records, kind=header["kind"], count=int(header["count"]))

    def extract_metadata(self, data: JsonlStream) -> dict[str, Any]:
        return {"kind": data.kind, "records": data.count}
