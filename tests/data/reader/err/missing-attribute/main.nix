let
  cfg = { dataDir = "/var/lib/app"; };
in
"${cfg.dataDri}/db"
