# Declared, not enabled on the host: no service.
let
  mkService = import ../lib/mkService.nix;
in
mkService {
  name = "notes";
  extraConfig = cfg: {
    atelier.services.notes.data.files = [ "${cfg.dataDir}/notes" ];
  };
}
