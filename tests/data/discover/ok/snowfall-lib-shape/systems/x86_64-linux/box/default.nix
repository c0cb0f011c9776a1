# The service is imported only when the user lib computes 4; the user lib
# is `lib.mine`, not at the top level (`lib ? twice` is false).
{ host, lib, ... }:
{
  imports = lib.optional (lib.mine.twice 2 == 4 && !(lib ? twice) && !(lib ? dataOf)) ./radio.nix;
  networking.hostName = host;
}
