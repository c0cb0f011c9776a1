# The file IS a mkService call (a module function once applied).
let
  mkService = import ../lib/mkService.nix;
in
mkService {
  name = "wiki";
  # A lambda parameter not named `cfg`.
  extraConfig = svc: {
    atelier.services.wiki.data = {
      sqlite = "${svc.dataDir}/wiki.db";
      files = [ "${svc.dataDir}/uploads" ];
    };
  };
}
