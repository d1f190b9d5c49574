from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from engine.db.migrate import upgrade
from engine.plugins.manager import Plugins, create_plugin_manager
from engine.runtime import Runtime
from engine.testing import MakeSettings
from tests.engine.evidence.pipeline.testpay import ProcessorServer

PLUGIN = "tests.engine.evidence.pipeline.testpay"


@pytest.fixture
def processor() -> Iterator[ProcessorServer]:
    server = ProcessorServer()
    yield server
    server.close()


RuntimeFactory = Callable[..., Runtime]


@pytest.fixture
def make_runtime(
    make_settings: MakeSettings, processor: ProcessorServer
) -> Iterator[RuntimeFactory]:
    built: list[Runtime] = []

    def build(**values: str) -> Runtime:
        values.setdefault("testpay_api_base", processor.url)
        values.setdefault("test_sources", "designs")
        runtime = Runtime(
            make_settings(**values),
            Plugins(create_plugin_manager(entry_points=False, extra=[PLUGIN])),
        )
        upgrade(runtime.database)
        built.append(runtime)
        return runtime

    yield build
    for runtime in built:
        runtime.close()
