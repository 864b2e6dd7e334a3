"""Guide Studio engine: media, overlays, show scripts and commerce, free of Qt."""

__version__ = "0.1.0"
APP_NAME = "GuideStudio"
APP_AUTHOR = "GuideStudio"
