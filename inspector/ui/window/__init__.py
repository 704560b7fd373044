"""The main window's parts, one mixin per concern, put together by ``inspector.ui.app.MainWindow``:

- ``layout.WindowLayout``: the panes and the status bar (widgets only);
- ``actions.WindowActions``: menus, shortcuts, window state, preferences, About, the error banner;
- ``session.StoreSession``: opening, switching and closing stores (the old store's panes empty at
  once; progress until the new store's first screen);
- ``browsing.Browsing``: the stream list, the events table, the selection, timeline region and cursors;
- ``projectors.ProjectorControl``: the projector in force, chosen, remembered, reloaded;
- ``replaying.ReplayRequests``: State (what one event changed), Diff, bisect, health check, progress;
- ``exporting.Exporting``: File › Export slice…;
- ``following.LiveFollow``: Follow live and reconnection.

Helpers: ``banners`` (messages float over the panes), ``folders`` (dialogs start in the last folder
used), ``play_speed`` (the State tab's Play speed, remembered), ``names``.
"""
