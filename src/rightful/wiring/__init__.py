"""What the composition root (`rightful.bootstrap.Container`) builds from the settings.

`adapters` opens the store and chooses the mail, SMS and queue backends the settings name;
`keys` loads or makes the keys kept in data_dir; `configs` translates settings into the
policies and configs services take. Each function imports what it builds only when called,
so that loading these modules costs a command nothing.
"""
