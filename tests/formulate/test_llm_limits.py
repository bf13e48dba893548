"""An endpoint that answers without end, fast: the client stops reading at a size no real answer reaches."""

from __future__ import annotations

import time

import pytest

from optarium.formulate.errors import LLMResponseError
from optarium.formulate.llm import LLMClient

from .test_llm import StreamingLLM, streaming_llm  # noqa: F401  (the fixture)


def test_an_answer_far_longer_than_max_tokens_allows_is_cut_off_and_the_server_stopped(streaming_llm: StreamingLLM) -> None:  # noqa: F811
    # 40 MB of long tokens as fast as the server can write them: far past any answer of 16 tokens
    streaming_llm.tokens, streaming_llm.pause = ["x" * 4096] * 10_000, 0.0
    client = LLMClient(streaming_llm.url, "m", api_key="", timeout=3.0, max_tokens=16)
    started = time.perf_counter()
    with pytest.raises(LLMResponseError, match=r"answered more than 1 MiB \(max_tokens 16\); the request was closed"):
        client.chat([{"role": "user", "content": "hi"}])
    assert time.perf_counter() - started < 3.0  # stopped by the size, not by the timeout
    assert streaming_llm.stopped.wait(5), "the server kept writing: the connection was not closed"
