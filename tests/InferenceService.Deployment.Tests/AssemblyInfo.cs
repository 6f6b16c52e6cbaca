// The images are Linux images: the container runs emulated here use Unix file modes and users.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
