# A module function that puts a let-bound factory result in `imports`.
{ config, lib, ... }:
let
  mkService = import ../lib/mkService.nix;
  blog = mkService {
    name = "blog";
    extraOptions.theme = lib.mkOption {
      type = lib.types.str;
      default = "plain";
    };
    extraConfig = cfg: {
      atelier.services.blog.data.files = [ "${cfg.dataDir}/themes/${cfg.theme}" ];
    };
  };
in
{
  imports = [ blog ];
}
