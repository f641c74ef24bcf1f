"""Packaging for usp_nb; every setting comes from settings.ini (nbdev 2.4 convention)."""
from configparser import ConfigParser
from pathlib import Path
import setuptools, shlex

cfg = ConfigParser(delimiters=['='])
cfg.read(Path(__file__).parent/'settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']

for key in 'lib_name version description author author_email copyright min_python'.split():
    assert key in cfg, f'settings.ini is missing `{key}`'

licenses = {'apache2': 'Apache-2.0'}

def _split(key): return shlex.split(cfg.get(key, '').replace('\n', ' '))

setuptools.setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    license=licenses[cfg['license']],
    description=cfg['description'],
    long_description=(Path(__file__).parent/'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    author=cfg['author'], author_email=cfg['author_email'],
    url=cfg['git_url'],
    classifiers=['Programming Language :: Python :: 3.11', 'Natural Language :: English'],
    # namespace discovery, so the data folder usp_nb/assets (no __init__.py) is a package and its files ship
    packages=setuptools.find_namespace_packages(include=[cfg['lib_path'], cfg['lib_path'] + '.*'], exclude=['*.__pycache__']),
    include_package_data=True,
    install_requires=_split('requirements'),
    extras_require={'dev': _split('dev_requirements'), 'lab': _split('lab_requirements')},
    python_requires='>=' + cfg['min_python'],
    zip_safe=False,
    entry_points={'console_scripts': _split('console_scripts'), 'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
)
