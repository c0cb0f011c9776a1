let common = import ../../common.nix; in
{ name = "web"; schedule = common.backupSchedule; dir = baseNameOf (toString ./.); }
