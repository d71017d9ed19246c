# passthrough_vfio_bind: binds the devices named on the kernel command line
# by address to vfio-pci, before udev loads their host drivers.
#
# The list is passthrough.vfio=ADDR@VVVV:DDDD,ADDR@VVVV:DDDD (written by
# Passthrough's engine).  Each device is taken only when the device at ADDR
# still has those IDs: another card in that slot is left to the host.
# Without the parameter nothing happens, so a boot entry without it boots
# the host as before.
#
# Only shell built-ins besides modprobe: Debian's initramfs without busybox
# has no tr, sed or awk.  The PASSTHROUGH_EARLY_* variables exist for the
# tests, which run this against a made-up /sys; at boot they are unset.
#
# SPDX-License-Identifier: GPL-3.0-or-later

passthrough_vfio_log ()
{
    if [ -w "${PASSTHROUGH_EARLY_KMSG:-/dev/kmsg}" ]; then
        echo "passthrough: $*" >> "${PASSTHROUGH_EARLY_KMSG:-/dev/kmsg}"
    else
        echo "passthrough: $*"
    fi
}

passthrough_vfio_bind ()
{
    _pt_sys=${PASSTHROUGH_EARLY_SYSFS:-/sys}
    _pt_list=""
    _pt_cmdline=""
    read -r _pt_cmdline < "${PASSTHROUGH_EARLY_CMDLINE:-/proc/cmdline}" || [ -n "$_pt_cmdline" ] || return 0
    for _pt_arg in $_pt_cmdline; do
        case "$_pt_arg" in
            passthrough.vfio=*) _pt_list=${_pt_arg#passthrough.vfio=} ;;
        esac
    done
    [ -n "$_pt_list" ] || return 0

    _pt_bound=""
    _pt_ifs=$IFS
    IFS=,
    for _pt_item in $_pt_list; do
        IFS=$_pt_ifs
        _pt_addr=${_pt_item%%@*}
        _pt_ids=${_pt_item#*@}
        case "$_pt_addr" in
            [0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f].[0-7]) ;;
            *) passthrough_vfio_log "$_pt_addr is not a PCI address, left alone"; continue ;;
        esac
        case "$_pt_ids" in
            [0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f][0-9a-f][0-9a-f]) ;;
            *) passthrough_vfio_log "$_pt_addr: “$_pt_ids” is not VVVV:DDDD, left alone"; continue ;;
        esac
        _pt_dev=$_pt_sys/bus/pci/devices/$_pt_addr
        if [ ! -e "$_pt_dev/vendor" ]; then
            passthrough_vfio_log "$_pt_addr is not present, left alone"
            continue
        fi
        _pt_vendor=""
        _pt_device=""
        read -r _pt_vendor < "$_pt_dev/vendor"
        read -r _pt_device < "$_pt_dev/device"
        if [ "$_pt_vendor" != "0x${_pt_ids%:*}" ] || [ "$_pt_device" != "0x${_pt_ids#*:}" ]; then
            passthrough_vfio_log "$_pt_addr is not $_pt_ids, left alone"
            continue
        fi
        echo vfio-pci > "$_pt_dev/driver_override"
        # A driver built into the kernel may hold it already.
        if [ -e "$_pt_dev/driver" ]; then
            echo "$_pt_addr" > "$_pt_dev/driver/unbind"
        fi
        _pt_bound="$_pt_bound $_pt_addr"
    done
    IFS=$_pt_ifs
    [ -n "$_pt_bound" ] || return 0

    ${PASSTHROUGH_EARLY_MODPROBE:-modprobe} vfio-pci
    for _pt_addr in $_pt_bound; do
        echo "$_pt_addr" > "$_pt_sys/bus/pci/drivers_probe"
        passthrough_vfio_log "$_pt_addr set to vfio-pci"
    done
    return 0
}
