"""drs version information, from the package metadata written by pbr."""

import pbr.version

version_info = pbr.version.VersionInfo('drs')
version_string = version_info.version_string
