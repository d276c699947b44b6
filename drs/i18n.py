"""oslo.i18n integration for drs."""

import oslo_i18n

_translators = oslo_i18n.TranslatorFactory(domain='drs')

# The primary translation function using the well-known name "_"
_ = _translators.primary
