{ system.stateVersion = 5; }
