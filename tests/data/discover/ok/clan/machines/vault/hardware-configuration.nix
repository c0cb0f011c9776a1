{ fileSystems."/srv" = { device = "/dev/disk/by-label/srv"; fsType = "ext4"; }; }
