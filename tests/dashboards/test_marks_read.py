"""Every change mark a service writes is one the dashboards read: a mark nobody reads costs a
write and a refresh wake-up on every change (planning once marked every vote so)."""

import re
from pathlib import Path

from dashboards.refresh import TOPICS

ROOT = Path(__file__).resolve().parents[2]
APPS = ("productops", "feedback", "inventory", "planning", "dashboards")
MARK = re.compile(r"mark_(?:changed|buckets)\(\s*[^,]+,\s*\"([a-z_]+)\"")


def test_every_topic_marked_is_a_topic_the_dashboards_read():
    marked: dict[str, list[str]] = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            for topic in MARK.findall(path.read_text()):
                marked.setdefault(topic, []).append(str(path.relative_to(ROOT)))
    assert {"feedback", "ideas", "tools", "decisions"} <= set(marked)  # the scan finds them
    unread = {topic: files for topic, files in marked.items() if topic not in TOPICS}
    assert unread == {}
