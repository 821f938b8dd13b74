"""The employers' directory of public profiles at /directory/.

A search document per profile (models.DirectoryEntry and its rows) is kept current by
subscribers to the events that change what it holds (subscribers.py, documents.py), and
search.py runs a search from cleaned filters alone, so a saved search can run it again from
its query string. Who appears, and which skills count as verified, follows
credentials.public: the document holds only credentials that rule lists, and whether the
profile is public, listed and its account active is read live at every search.
"""
