"""Demo mode (演示模式): the demo world's data and the demo backend the studio starts itself.

:mod:`studio.demo.data` is pure data (the catalog, the published demo login) that
the backend's seed, the show's offline catalog and the studio all read;
:mod:`studio.demo.embedded` starts ``studio backend --demo`` as a child process. The
demo package never imports the backend's code: it talks to it over HTTP like any
studio, so the library packages that use it stay clients of the contract.
"""
