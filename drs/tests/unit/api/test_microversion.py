import re

import pytest

from drs.api import microversion


@pytest.mark.parametrize('header,expected', [
    (None, (1, 0)),
    ('dr 1.0', (1, 0)),
    ('dr latest', microversion.MAX_VERSION),
    ('dr 1.7', (1, 7)),
    ('compute 2.1', (1, 0)),
    ('compute 2.1, dr 1.0', (1, 0)),
    # Leading zeros are read as the other services read them.
    ('dr 1.01', (1, 1)),
    ('dr 01.0', (1, 0)),
    # Well formed, below the range: the caller answers 406, not 400.
    ('dr 0.9', (0, 9)),
])
def test_parse(header, expected):
    headers = {microversion.HEADER: header} if header else {}
    assert microversion.parse(headers) == expected


MALFORMED = ['dr 1', 'dr 1.a', 'dr v1.0', 'dr', 'T', '', ' ', 'dr 1.0,',
             ', dr 1.0', 'compute']


@pytest.mark.parametrize('header', MALFORMED)
def test_parse_rejects_malformed(header):
    with pytest.raises(microversion.InvalidVersion):
        microversion.parse({microversion.HEADER: header})


@pytest.mark.parametrize('header', MALFORMED)
def test_the_document_forbids_what_the_server_refuses(header):
    pattern = re.compile(microversion.HEADER_PATTERN)
    assert not pattern.search(header)


@pytest.mark.parametrize('header', ['dr 1.0', 'dr latest', 'dr 1.01',
                                    'dr 0.9', 'compute 2.1, dr 1.0',
                                    'compute 2.90'])
def test_the_document_allows_what_the_server_reads(header):
    assert re.compile(microversion.HEADER_PATTERN).search(header)
    microversion.parse({microversion.HEADER: header})


def test_range():
    assert microversion.in_range(microversion.MIN_VERSION)
    assert microversion.in_range(microversion.MAX_VERSION)
    assert not microversion.in_range((microversion.MAX_VERSION[0],
                                      microversion.MAX_VERSION[1] + 1))
    assert not microversion.in_range((0, 9))


def test_history_is_ordered():
    versions = [v for v, _ in microversion.HISTORY]
    assert versions == sorted(versions)
    assert len(set(versions)) == len(versions)
