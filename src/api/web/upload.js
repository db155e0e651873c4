// Upload a capture (drag and drop or the file chooser): the bytes sent, then the analysis job's
// progress (bytes read and packets decoded) until it is done, then the map of what it found.
import { API, token } from './api.js';
import { bytes } from './util.js';

const POLL_MS = 500;

export function setupUpload({ onDone }) {
  const drop = document.getElementById('drop');
  const input = document.getElementById('capture-file');
  const up = document.getElementById('upload-progress');
  const upText = document.getElementById('upload-text');
  const job = document.getElementById('job-progress');
  const jobText = document.getElementById('job-text');
  const err = document.getElementById('upload-error');
  const toMap = document.getElementById('to-map');
  toMap.addEventListener('click', () => onDone(true));

  const start = (file) => {
    err.textContent = '';
    toMap.hidden = true;
    up.value = 0;
    job.value = 0;
    jobText.textContent = '';
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${API}/captures`);
    xhr.setRequestHeader('authorization', `Bearer ${token.get()}`);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      up.value = (100 * e.loaded) / e.total;
      upText.textContent = `${bytes(e.loaded)} of ${bytes(e.total)}`;
    };
    xhr.onerror = () => {
      err.textContent = 'the upload failed (connection closed)';
    };
    xhr.onload = () => {
      let body = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status !== 202) {
        err.textContent = body.message ?? `HTTP ${xhr.status}`;
        return;
      }
      up.value = 100;
      upText.textContent = `${bytes(file.size)} sent`;
      poll(body.id, file.size);
    };
    xhr.send(file);
  };

  const poll = async (id, size) => {
    for (;;) {
      const res = await fetch(`${API}/captures/${id}`, { headers: { authorization: `Bearer ${token.get()}` } });
      const j = await res.json();
      if (!res.ok) {
        err.textContent = j.message;
        return;
      }
      job.value = size ? (100 * (j.progress?.bytes ?? 0)) / size : 0;
      jobText.textContent = `${j.status}: ${bytes(j.progress?.bytes ?? 0)} read, ${j.progress?.packets ?? 0} packets`;
      if (j.status === 'done') {
        job.value = 100;
        const r = j.result ?? {};
        // a capture merged before is not analysed again (nothing would count twice): say so, not "0 packets"
        jobText.textContent = r.skipped
          ? 'skipped: this capture was already analysed into this database, nothing was counted again'
          : `done: ${j.progress?.packets ?? 0} packets${r.assets !== undefined ? `, ${r.assets} assets, ${r.paths} paths` : ''}`;
        jobText.dataset.jobStatus = 'done';
        toMap.hidden = false;
        toMap.focus();
        onDone(false);
        return;
      }
      if (j.status === 'failed') {
        err.textContent = `analysis failed: ${j.error ?? 'unknown error'}`;
        jobText.dataset.jobStatus = 'failed';
        return;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  };

  input.addEventListener('change', () => input.files[0] && start(input.files[0]));
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files?.[0];
    if (f) start(f);
  });
}
