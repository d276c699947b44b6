"""Schema fragments shared by the v1 resources."""

NAME = {'type': 'string', 'minLength': 1, 'maxLength': 255,
        'pattern': r'^\S(.*\S)?$'}
DESCRIPTION = {'type': ['string', 'null'], 'maxLength': 65535}
UUID = {'type': 'string', 'format': 'uuid'}
# A site is given by its id or its name.
SITE_REF = {'type': 'string', 'minLength': 1, 'maxLength': 255}
STRING_MAP = {
    'type': 'object',
    'propertyNames': {'type': 'string', 'minLength': 1, 'maxLength': 255},
    'additionalProperties': {'type': 'string', 'minLength': 1,
                             'maxLength': 255},
}
