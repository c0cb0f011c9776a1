# mkService comes from a flake input: the call stays inspectable.
{ inputs, ... }:
inputs.atelier.lib.mkService {
  name = "wiki";
  extraConfig = cfg: {
    atelier.services.wiki.data = {
      sqlite = "${cfg.dataDir}/wiki.db";
      files = [ "${cfg.dataDir}/uploads" ];
    };
  };
}
