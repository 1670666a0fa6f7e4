"""The environment variables the Label Studio commands read: the names the SDK itself uses.

Kept apart from annotation.client so the command line can name them without importing the SDK.
"""

URL_ENV, KEY_ENV = "LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY"
