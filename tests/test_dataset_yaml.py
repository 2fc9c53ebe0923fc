"""The event reader (`dataset.load_yaml`) reads every file as the loader does, and leaves what it does not handle
(tags, anchors, merge keys, keys that are not text, a second document, errors) to it."""
import pytest
import yaml

from policy_atlas import dataset


def _loader(text):
    return yaml.load(text, Loader=dataset._LineLoader)


def _either(read, text):
    try:
        return read(text)
    except yaml.YAMLError as exc:
        return f"{type(exc).__name__}: {exc}"


def test_bundled_files_read_the_same():
    root = dataset.default_path()
    for path in [root / "sources.yaml", *sorted(root.glob("*/*.yaml"))]:
        text = path.read_text(encoding="utf-8")
        fast, slow = dataset.load_yaml(text), _loader(text)
        assert fast == slow and list(fast) == list(slow), path


@pytest.mark.parametrize("text", [
    "", "# only a comment\n", "---", "a: 1\n---\nb: 2", "a: &a [*a]", "a: &a {b: *a}", "a: *nope", "a: {[1]: 2}",
    "? [x]\n: y", "1: x", "a: &x {k: 1}\nb: {<<: *x, j: 2}", "a: !!set {x, y}", "x: !!python/object:os.system {}",
    "a: !custom x", "k: !!binary aGVsbG8=", "d: 2019-02-31", "a: [unclosed", "a: b: c",
    "n: ~\nb: yes\nf: 1.5\ni: 0x1f\ns: '123'\nt: 2016-03-11\nq: !!str 12\nl: [a, {b: c, b: d}, 'e']",
])
def test_unusual_and_broken_yaml_read_the_same(text):
    assert repr(_either(dataset.load_yaml, text)) == repr(_either(_loader, text))
