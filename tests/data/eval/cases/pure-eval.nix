# Flakes are evaluated in pure mode, and so is everything atelier
# evaluates: compared with `nix-instantiate --option pure-eval true`.
# Pure mode has no `builtins.currentSystem` nor `currentTime` (selecting
# them is a missing attribute), so nixpkgs' `lib.inPureEvalMode`
# (`!builtins ? currentSystem`) is true, and `or` gives the fallback
# (flakelight's `systems'`).
{
  hasCurrentSystem = builtins ? currentSystem;
  hasCurrentTime = builtins ? currentTime;
  hasUnderscored = builtins ? __currentSystem;
  inPureEvalMode = !builtins ? currentSystem;
  currentSystemOr = builtins.currentSystem or "x86_64-linux";
  currentTimeOr = builtins.currentTime or 0;
  systems = if builtins ? currentSystem then [ builtins.currentSystem ] else [ "x86_64-linux" "aarch64-linux" ];
  nameCount = builtins.length (builtins.filter (n: n == "currentSystem" || n == "currentTime") (builtins.attrNames builtins));
  getEnv = builtins.getEnv "HOME";
}
