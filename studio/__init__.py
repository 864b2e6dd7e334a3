"""Guide Studio engine: media, overlays, show scripts and commerce, free of Qt."""

__version__ = "0.1.0"
APP_NAME = "GuideStudio"
APP_AUTHOR = "GuideStudio"
# The one application id: desktop entry and Wayland app id, macOS bundle id, Windows AppId
# (packaging/). Settings and logs stay under APP_NAME, keyring entries under "guide-studio-*".
APP_ID = "com.guidestudio.GuideStudio"
