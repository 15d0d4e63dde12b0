"""Languages: the gettext catalogs shipped with the service."""
