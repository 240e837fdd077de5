"""What Hypothesis sends to the site's pages: anything a browser, a script or a fuzzer might."""

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st

# Enough examples to find what a careless parser misses, few enough to keep the suite fast. The
# database and the client are set up once per test, not per example: nothing here relies on a
# fresh one.
bounded = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any Unicode but lone surrogates, which no request can carry: control characters and NULs
# included, and now and then far longer than any field allows.
any_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=10),
    st.text(min_size=300, max_size=5000),
)

odd_emails = st.one_of(
    st.emails(),
    st.sampled_from(
        [
            "",
            "@",
            "kim@",
            "@example.org",
            "kim@@example.org",
            "kim@[127.0.0.1]",
            '"kim lee"@example.org',
            "kim@exa mple.org",
            "kim@xn--.org",
            "kim@bücher.de",
            "kim@example.org\x00",
            "KIM+tag@GoogleMail.com",
            "a" * 65 + "@example.org",
            "kim@" + "a" * 250 + ".org",
        ]
    ),
    any_text,
)


def near(valid: dict, known: dict):
    """A valid form, most fields kept, the others anything: missing, repeated or replaced."""
    fields = st.fixed_dictionaries(
        {
            name: st.one_of(st.just([value]), st.just([value]), st.lists(known[name], max_size=3))
            for name, value in valid.items()
        }
    )
    return fields.map(lambda drawn: {name: values for name, values in drawn.items() if values})


def form_fields(known: dict):
    """Known fields with any of their values, each maybe missing or repeated, and unknown ones."""
    fields = st.fixed_dictionaries(
        {},
        optional={name: st.lists(values, min_size=1, max_size=3) for name, values in known.items()},
    )
    unknown = st.dictionaries(any_text, st.lists(any_text, min_size=1, max_size=2), max_size=2)
    return st.tuples(fields, unknown).map(lambda both: both[1] | both[0])


def assert_answered(response, *statuses):
    """One of the expected answers: a page that says something, a redirect, or a 405 that
    names the methods allowed."""
    # Shown by --hypothesis-show-statistics: which answers the examples reached.
    event(f"answered {response.status_code}")
    assert response.status_code in statuses, response.status_code
    if response.status_code == 405:
        assert response["Allow"]
    elif response.status_code != 302:
        assert response.text.strip(), "an empty page"
