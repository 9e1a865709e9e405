"""Mentor recommendations behind core's Recommender port (DESIGN §8).

Nothing heavy is imported here: sentence-transformers loads lazily, off the request path.
"""
