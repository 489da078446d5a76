"""python, tested from the host: imagestack runs this with pytest-3 on the machine that built
the image (test.host in specs.yml), with the image's exact reference in IMAGESTACK_IMAGE. It
starts the image as a container with the docker CLI, as a user of the image would."""
import os
import subprocess


def test_a_container_of_the_image_runs_as_the_non_root_user():
    done = subprocess.run(
        ["docker", "run", "--rm", "--network", "none", os.environ["IMAGESTACK_IMAGE"], "id"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("uid=1000(sandbox) "), done.stdout
